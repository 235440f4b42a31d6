//! Equivalence classes of group sets: the sets whose tied child networks are identical
//! (docs/method.md §11), found exactly for all 4,096 states and cached per translation
//! rule.
//!
//! A set S ties the child's weights by the orbits of the group its generators generate
//! (§3). Adding a generator g changes nothing exactly when g maps every orbit of S onto
//! itself (g(x) lies in the orbit of x for every weight and hidden unit x): the union-find
//! joins only indices already joined. The closure C(S) is S plus every such g, and
//! depends on S's orbits alone; so S and T build the same network iff C(S) = C(T), and
//! C(S) is itself a member of the class: its key and its representative.

use crate::engine::groups::{Group, GroupError, GroupSet, NUM_GROUPS, Perm, Shift};
use crate::engine::orbits::{ChildOrbits, HIDDEN_SIDE, INPUT_SIDE, LayerOrbits};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Every group set.
pub const SPACE: usize = 1 << NUM_GROUPS;

/// One class: the states whose networks are one network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    /// C(S) of every member: the largest member, and the class's name.
    pub closure: GroupSet,
    /// Members, by bits.
    pub members: Vec<GroupSet>,
    /// Free parameters of the class's network.
    pub params: usize,
}

/// The classes of all 4,096 states under one translation rule.
#[derive(Debug)]
pub struct Classes {
    shift: Shift,
    /// closure[s] = C(s), by the bits of s.
    closure: Vec<GroupSet>,
    /// Largest first; ties by the closure's bits.
    classes: Vec<Class>,
    /// Position of each closure in `classes`, by the closure's bits.
    index: HashMap<u16, usize>,
}

impl Classes {
    /// The classes under `shift`, computed once per process and shared.
    pub fn of(shift: Shift) -> Result<Arc<Classes>, GroupError> {
        static CACHE: OnceLock<Mutex<HashMap<Shift, Arc<Classes>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        // Held while computing: two threads asking at once compute once.
        let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = map.get(&shift) {
            return Ok(c.clone());
        }
        let c = Arc::new(Classes::compute(shift)?);
        map.insert(shift, c.clone());
        Ok(c)
    }

    /// Computes the closures of all states. A state s with highest bit g has
    /// C(s) = C(C(s - g) + g), since s and C(s - g) + g have the same orbits; so only
    /// the sets C(t) + g are ever built, each once, by [`closure_of`].
    pub fn compute(shift: Shift) -> Result<Classes, GroupError> {
        let gens = Generators::new(shift)?;
        let mut memo: HashMap<u16, (GroupSet, usize)> = HashMap::new();
        let mut closure = vec![GroupSet::EMPTY; SPACE];
        let mut params: HashMap<u16, usize> = HashMap::new();
        for bits in 0..SPACE as u16 {
            let t = if bits == 0 {
                0
            } else {
                let g = 15 - bits.leading_zeros() as u16;
                let c = closure[(bits & !(1 << g)) as usize].bits();
                if c & (1 << g) != 0 {
                    closure[bits as usize] = GroupSet::from_bits(c);
                    continue;
                }
                c | (1 << g)
            };
            let (c, p) = match memo.get(&t) {
                Some(&v) => v,
                None => {
                    let v = closure_of(GroupSet::from_bits(t), &gens)?;
                    memo.insert(t, v);
                    v
                }
            };
            params.insert(c.bits(), p);
            closure[bits as usize] = c;
        }
        Ok(Classes::from_closures(shift, closure, &params))
    }

    fn from_closures(shift: Shift, closure: Vec<GroupSet>, params: &HashMap<u16, usize>) -> Self {
        let mut by_key: HashMap<u16, Vec<GroupSet>> = HashMap::new();
        for (bits, c) in closure.iter().enumerate() {
            by_key
                .entry(c.bits())
                .or_default()
                .push(GroupSet::from_bits(bits as u16));
        }
        let mut classes: Vec<Class> = by_key
            .into_iter()
            .map(|(k, members)| Class {
                closure: GroupSet::from_bits(k),
                members,
                params: params.get(&k).copied().unwrap_or_default(),
            })
            .collect();
        classes.sort_by(|a, b| {
            (b.members.len().cmp(&a.members.len())).then(a.closure.bits().cmp(&b.closure.bits()))
        });
        let index = classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.closure.bits(), i))
            .collect();
        Classes {
            shift,
            closure,
            classes,
            index,
        }
    }

    pub fn shift(&self) -> Shift {
        self.shift
    }

    /// C(s): the class's key and representative.
    pub fn closure(&self, s: GroupSet) -> GroupSet {
        self.closure[s.bits() as usize]
    }

    /// The class of `s`.
    pub fn class_of(&self, s: GroupSet) -> &Class {
        &self.classes[self.index[&self.closure(s).bits()]]
    }

    /// Position of `s`'s class in [`Classes::all`].
    pub fn position(&self, s: GroupSet) -> usize {
        self.index[&self.closure(s).bits()]
    }

    /// Every class, largest first.
    pub fn all(&self) -> &[Class] {
        &self.classes
    }

    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }
}

/// The generators of all twelve groups on both grids.
struct Generators {
    input: Vec<Perm>,
    hidden: Vec<Perm>,
    shift: Shift,
}

impl Generators {
    fn new(shift: Shift) -> Result<Generators, GroupError> {
        let on = |side: usize| -> Result<Vec<Perm>, GroupError> {
            let step = shift.step_on(side)?;
            Group::ALL.iter().map(|g| g.generator(side, step)).collect()
        };
        Ok(Generators {
            input: on(INPUT_SIDE)?,
            hidden: on(HIDDEN_SIDE)?,
            shift,
        })
    }
}

/// Whether generator `pin` x `pout` maps every orbit of `o` onto itself.
fn preserves(o: &LayerOrbits, pin: &Perm, pout: &Perm) -> bool {
    let h = o.out_cells();
    let hidden = (0..h).all(|j| o.hidden[j] == o.hidden[pout.0[j] as usize]);
    hidden
        && (0..o.in_cells()).all(|i| {
            let (row, img) = (i * h, pin.0[i] as usize * h);
            (0..h).all(|j| o.weight[row + j] == o.weight[img + pout.0[j] as usize])
        })
}

/// C(t) and the parameter count of t's network.
fn closure_of(t: GroupSet, gens: &Generators) -> Result<(GroupSet, usize), GroupError> {
    let o = ChildOrbits::new(t, gens.shift)?;
    let mut c = t;
    for g in Group::ALL.into_iter().filter(|g| !t.contains(*g)) {
        let b = g.bit();
        if preserves(&o.l1, &gens.input[b], &gens.hidden[b])
            && preserves(&o.l2, &gens.hidden[b], &gens.hidden[b])
        {
            c = c.with(g);
        }
    }
    Ok((c, o.params()))
}
