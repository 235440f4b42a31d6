//! Weight-tying classes (orbits) of an equivariant fully connected layer (docs/method.md §3).
//!
//! A layer from an m x m grid to an h x h grid is equivariant to a group iff its weight
//! W[i, j] is constant on every orbit of the joint action (i, j) -> (g_m(i), g_h(j)).
//! The orbits are the connected components of the graph whose edges join each weight
//! index with its image under each *generator*, found here by union-find in
//! O(|W| * generators): the group they generate is never enumerated.

use crate::groups::{GroupError, GroupSet, Perm, Shift};
use std::collections::{HashSet, VecDeque};

/// Orbit ids of one layer: `weight[i * out_cells + j]` for input i and output cell j,
/// `hidden[j]` for the output cells (tied biases). An input is (channel c, cell x) at
/// i = c * in_side² + x; a group moves x and carries c along, so the weights of each
/// channel tie among themselves alike. Ids are dense, 0..n-1, numbered in order of
/// first appearance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerOrbits {
    pub in_side: usize,
    /// Channels of the input grid: 1 but for a colour network's first layer.
    pub channels: usize,
    pub out_side: usize,
    pub weight: Vec<u32>,
    pub n_weight: usize,
    pub hidden: Vec<u32>,
    pub n_hidden: usize,
}

impl LayerOrbits {
    /// Inputs: channels x in_side².
    pub fn in_cells(&self) -> usize {
        self.channels * self.in_side * self.in_side
    }
    pub fn out_cells(&self) -> usize {
        self.out_side * self.out_side
    }
    /// Free parameters: one per weight orbit plus one bias per hidden orbit.
    pub fn params(&self) -> usize {
        self.n_weight + self.n_hidden
    }
    /// True when nothing is tied (no group): the layer is an ordinary dense layer.
    pub fn is_dense(&self) -> bool {
        self.n_weight == self.weight.len() && self.n_hidden == self.hidden.len()
    }

    /// The same layer over `channels` copies of the input grid: each channel's weights
    /// take the single channel's orbits, numbered after the previous channel's.
    pub fn with_channels(mut self, channels: usize) -> LayerOrbits {
        let (one, n) = (std::mem::take(&mut self.weight), self.n_weight);
        self.weight = (0..channels)
            .flat_map(|c| one.iter().map(move |&id| id + (c * n) as u32))
            .collect();
        self.n_weight *= channels;
        self.channels *= channels;
        self
    }
}

/// Union-find over u32 indices; roots are the smallest index of their set, so the
/// result does not depend on the order of unions.
struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    #[inline]
    fn find(&mut self, mut x: u32) -> u32 {
        // Path halving keeps trees flat without recursion.
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            let gp = self.parent[p as usize];
            self.parent[x as usize] = gp;
            x = gp;
        }
        x
    }

    #[inline]
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }

    /// Dense labels in order of first appearance, and their count.
    fn labels(mut self) -> (Vec<u32>, usize) {
        let n = self.parent.len();
        let mut label = vec![u32::MAX; n];
        let mut out = vec![0u32; n];
        let mut next = 0u32;
        for i in 0..n as u32 {
            let r = self.find(i) as usize;
            if label[r] == u32::MAX {
                label[r] = next;
                next += 1;
            }
            out[i as usize] = label[r];
        }
        (out, next as usize)
    }
}

fn generators(groups: GroupSet, side: usize, shift: Shift) -> Result<Vec<Perm>, GroupError> {
    let step = shift.step_on(side)?;
    groups.iter().map(|g| g.generator(side, step)).collect()
}

/// Labels the weight orbits found by `uf` and adds the hidden-unit orbits.
fn finish(
    uf: UnionFind,
    in_side: usize,
    out_side: usize,
    groups: GroupSet,
    shift: Shift,
) -> Result<LayerOrbits, GroupError> {
    let (weight, n_weight) = uf.labels();
    let (hidden, n_hidden) = cell_orbits(out_side, groups, shift)?;
    Ok(LayerOrbits {
        in_side,
        channels: 1,
        out_side,
        weight,
        n_weight,
        hidden,
        n_hidden,
    })
}

/// Orbits of the cells of one grid (used for the tied biases).
pub fn cell_orbits(
    side: usize,
    groups: GroupSet,
    shift: impl Into<Shift>,
) -> Result<(Vec<u32>, usize), GroupError> {
    let mut uf = UnionFind::new(side * side);
    for g in generators(groups, side, shift.into())? {
        for (i, &gi) in g.0.iter().enumerate() {
            uf.union(i as u32, gi);
        }
    }
    Ok(uf.labels())
}

/// Orbits of a layer from an `in_side`² grid to an `out_side`² grid.
///
/// ```
/// use aen_core::groups::GroupSet;
/// let o = aen_core::orbits::layer_orbits(28, 20, GroupSet::parse("rot90").unwrap(), 4).unwrap();
/// assert_eq!((o.n_weight, o.n_hidden), (78_400, 100));
/// ```
pub fn layer_orbits(
    in_side: usize,
    out_side: usize,
    groups: GroupSet,
    shift: impl Into<Shift>,
) -> Result<LayerOrbits, GroupError> {
    let shift = shift.into();
    let gin = generators(groups, in_side, shift)?;
    let gout = generators(groups, out_side, shift)?;
    let (m, h) = (in_side * in_side, out_side * out_side);
    let mut uf = UnionFind::new(m * h);
    for (pm, ph) in gin.iter().zip(&gout) {
        for i in 0..m {
            let row = (i * h) as u32;
            let row_img = pm.0[i] * h as u32;
            for (j, &gj) in ph.0.iter().enumerate() {
                uf.union(row + j as u32, row_img + gj);
            }
        }
    }
    finish(uf, in_side, out_side, groups, shift)
}

/// The naive construction, for comparison: enumerate every element of the generated
/// joint group by closure, then join each weight index with its image under every
/// element. Returns None if the group has more than `max_elements` elements.
pub fn layer_orbits_by_closure(
    in_side: usize,
    out_side: usize,
    groups: GroupSet,
    shift: impl Into<Shift>,
    max_elements: usize,
) -> Result<Option<LayerOrbits>, GroupError> {
    let shift = shift.into();
    let gin = generators(groups, in_side, shift)?;
    let gout = generators(groups, out_side, shift)?;
    let (m, h) = (in_side * in_side, out_side * out_side);
    // A joint element is the pair of permutations, stored as one vector of m + h.
    let joint =
        |a: &Perm, b: &Perm| -> Vec<u32> { a.0.iter().chain(b.0.iter()).copied().collect() };
    let gens: Vec<Vec<u32>> = gin.iter().zip(&gout).map(|(a, b)| joint(a, b)).collect();
    let id = joint(&Perm::identity(m), &Perm::identity(h));
    let mut seen: HashSet<Vec<u32>> = HashSet::new();
    let mut queue = VecDeque::new();
    seen.insert(id.clone());
    queue.push_back(id);
    let mut elements = Vec::new();
    while let Some(e) = queue.pop_front() {
        for g in &gens {
            let comp: Vec<u32> = e
                .iter()
                .enumerate()
                .map(|(k, &x)| {
                    if k < m {
                        g[x as usize]
                    } else {
                        g[m + x as usize]
                    }
                })
                .collect();
            if seen.insert(comp.clone()) {
                if seen.len() > max_elements {
                    return Ok(None);
                }
                queue.push_back(comp);
            }
        }
        elements.push(e);
    }
    let mut uf = UnionFind::new(m * h);
    for e in &elements {
        for i in 0..m {
            for j in 0..h {
                let a = (i * h + j) as u32;
                let b = e[i] * h as u32 + e[m + j];
                uf.union(a, b);
            }
        }
    }
    finish(uf, in_side, out_side, groups, shift).map(Some)
}

/// Sides of the child network of docs/method.md §4 on MNIST: 28 -> 20 -> 20 -> 10
/// classes. Other data keep the 20 x 20 hidden grids and bring their own input side,
/// channels and classes (`Shape`).
pub const INPUT_SIDE: usize = 28;
pub const HIDDEN_SIDE: usize = 20;
pub const CLASSES: usize = 10;

/// What a child network takes and gives: a side x side grid of `channels` channels in,
/// `classes` logits out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    pub side: usize,
    pub channels: usize,
    pub classes: usize,
}

impl Shape {
    /// MNIST's and Fashion-MNIST's: 28 x 28 greyscale, 10 classes.
    pub const MNIST: Shape = Shape {
        side: INPUT_SIDE,
        channels: 1,
        classes: CLASSES,
    };

    /// Inputs of the first layer.
    pub fn inputs(self) -> usize {
        self.channels * self.side * self.side
    }
}

/// The orbits of both tied layers of the child network.
#[derive(Clone, Debug)]
pub struct ChildOrbits {
    pub groups: GroupSet,
    pub shape: Shape,
    pub l1: LayerOrbits,
    pub l2: LayerOrbits,
}

impl ChildOrbits {
    /// The network for MNIST-shaped data.
    pub fn new(groups: GroupSet, shift: impl Into<Shift>) -> Result<ChildOrbits, GroupError> {
        ChildOrbits::for_shape(Shape::MNIST, groups, shift)
    }

    pub fn for_shape(
        shape: Shape,
        groups: GroupSet,
        shift: impl Into<Shift>,
    ) -> Result<ChildOrbits, GroupError> {
        let shift = shift.into();
        Ok(ChildOrbits {
            groups,
            shape,
            l1: layer_orbits(shape.side, HIDDEN_SIDE, groups, shift)?.with_channels(shape.channels),
            l2: layer_orbits(HIDDEN_SIDE, HIDDEN_SIDE, groups, shift)?,
        })
    }

    /// Orbits + tied biases of both layers + the dense last layer (weights and biases).
    pub fn params(&self) -> usize {
        let (h, k) = (HIDDEN_SIDE * HIDDEN_SIDE, self.shape.classes);
        self.l1.params() + self.l2.params() + h * k + k
    }
}
