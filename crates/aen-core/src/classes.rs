//! Equivalence classes of group sets: the sets whose tied child networks are identical
//! (docs/method.md §11), found exactly for all 4,096 states and cached per input grid
//! and translation rule. Channels and classes change no class: a colour network ties
//! each channel alike, and the last layer is dense.
//!
//! A set S ties the child's weights by the orbits of the group its generators generate
//! (§3). Adding a generator g changes nothing exactly when g maps every orbit of S onto
//! itself (g(x) lies in the orbit of x for every weight and hidden unit x): the union-find
//! joins only indices already joined. The closure C(S) is S plus every such g, and
//! depends on S's orbits alone; so S and T build the same network iff C(S) = C(T), and
//! C(S) is itself a member of the class: its key and its representative.

use crate::groups::{Group, GroupError, GroupSet, NUM_GROUPS, Perm, Shift};
use crate::orbits::{ChildOrbits, HIDDEN_SIDE, INPUT_SIDE, LayerOrbits, Shape, cell_orbits};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Every group set.
pub const SPACE: usize = 1 << NUM_GROUPS;

/// What the classes depend on: the side of the input grid (the hidden grids are
/// always 20 x 20) and the translation rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Grid {
    pub side: usize,
    pub shift: Shift,
}

/// A bare translation rule means MNIST's 28 x 28 input.
impl From<Shift> for Grid {
    fn from(shift: Shift) -> Grid {
        Grid {
            side: INPUT_SIDE,
            shift,
        }
    }
}

/// One class: the states whose networks are one network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    /// C(S) of every member: the largest member, and the class's name.
    pub closure: GroupSet,
    /// Members, by bits.
    pub members: Vec<GroupSet>,
}

/// The classes of all 4,096 states under one translation rule.
#[derive(Debug)]
pub struct Classes {
    grid: Grid,
    /// closure[s] = C(s), by the bits of s.
    closure: Vec<GroupSet>,
    /// Largest first; ties by the closure's bits.
    classes: Vec<Class>,
    /// Position of each closure in `classes`, by the closure's bits.
    index: HashMap<u16, usize>,
    /// Seconds the computation took; None when read from the cache.
    seconds: Option<f64>,
}

/// The classes computed in this process, by grid.
fn memory() -> &'static Mutex<HashMap<Grid, Arc<Classes>>> {
    static CACHE: OnceLock<Mutex<HashMap<Grid, Arc<Classes>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

impl Classes {
    /// The classes under `shift` if they are at hand (computed in this process, or in
    /// the cache file), without computing them; otherwise starts computing them on a
    /// thread of their own, so that an interface asking again soon finds them.
    pub fn peek(grid: impl Into<Grid>) -> Option<Arc<Classes>> {
        let shift = grid.into();
        static STARTED: OnceLock<Mutex<Vec<Grid>>> = OnceLock::new();
        // A thread computing holds the lock: try, never wait.
        if let Ok(mut map) = memory().try_lock() {
            if let Some(c) = map.get(&shift) {
                return Some(c.clone());
            }
            // Reading the cache file takes a millisecond.
            if let Some(c) = cache_file(shift).and_then(|f| Classes::load(shift, &f)) {
                let c = Arc::new(c);
                map.insert(shift, c.clone());
                return Some(c);
            }
        }
        let mut started = STARTED.get_or_init(Default::default).lock().ok()?;
        if !started.contains(&shift) {
            started.push(shift);
            let _ = std::thread::Builder::new()
                .name("aen-classes".into())
                .spawn(move || Classes::of(shift));
        }
        None
    }

    /// The classes under `shift`, computed once per process and shared.
    pub fn of(grid: impl Into<Grid>) -> Result<Arc<Classes>, GroupError> {
        let shift = grid.into();
        // Held while computing: two threads asking at once compute once.
        let mut map = memory().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = map.get(&shift) {
            return Ok(c.clone());
        }
        let file = cache_file(shift);
        let c = match file.as_deref().and_then(|f| Classes::load(shift, f)) {
            Some(c) => c,
            None => {
                let c = Classes::compute(shift)?;
                // A cache that cannot be written costs the next process a few seconds.
                if let Some(f) = &file {
                    let _ = f.parent().map(std::fs::create_dir_all);
                    let _ = crate::fsio::write_atomic(f, c.to_text().as_bytes());
                }
                c
            }
        };
        let c = Arc::new(c);
        map.insert(shift, c.clone());
        Ok(c)
    }

    /// The closures as text: a line naming the rule and the SHA-256 of the closures,
    /// then one line of 4,096 three-digit hex numbers.
    fn to_text(&self) -> String {
        let line: String = (self.closure.iter())
            .map(|c| format!("{:03x}", c.bits()))
            .collect();
        format!("{}\n{line}\n", cache_header(self.grid, &line))
    }

    /// Reads a cache file; None if it is missing or not what this aen wrote for
    /// `shift` (its header and checksum), or if its closures are not a closure operator
    /// (extensive, idempotent, monotone) or differ from a recomputation of the empty
    /// set's and every single group's: a damaged or edited file is computed again.
    fn load(shift: Grid, path: &std::path::Path) -> Option<Classes> {
        let text = crate::fsio::read_capped(path, 64 << 10, "classes cache").ok()?;
        let text = std::str::from_utf8(&text).ok()?;
        let (header, line) = text.trim_end().split_once('\n')?;
        if line.len() != 3 * SPACE || !line.is_ascii() || header != cache_header(shift, line) {
            return None;
        }
        let closure: Vec<GroupSet> = (0..SPACE)
            .map(|i| u16::from_str_radix(&line[3 * i..3 * i + 3], 16).ok())
            .map(|b| b.filter(|&b| (b as usize) < SPACE).map(GroupSet::from_bits))
            .collect::<Option<_>>()?;
        let sound = closure.iter().enumerate().all(|(s, c)| {
            let s = s as u16;
            let monotone = (0..NUM_GROUPS)
                .all(|g| closure[(s | 1 << g) as usize].bits() & c.bits() == c.bits());
            c.bits() & s == s && closure[c.bits() as usize] == *c && monotone
        });
        let gens = Generators::new(shift).ok()?;
        let spot = |bits: u16| {
            closure_of(GroupSet::from_bits(bits), &gens).ok() == Some(closure[bits as usize])
        };
        let checked = sound && (0..=NUM_GROUPS).all(|g| spot(((1u32 << g) >> 1) as u16));
        checked.then(|| Classes::from_closures(shift, closure))
    }

    /// Computes the closures of all states. A state s with highest bit g has
    /// C(s) = C(C(s - g) + g), since s and C(s - g) + g have the same orbits; so only
    /// the sets C(t) + g are ever built, each once, by [`closure_of`].
    pub fn compute(grid: impl Into<Grid>) -> Result<Classes, GroupError> {
        let shift = grid.into();
        let started = std::time::Instant::now();
        let gens = Generators::new(shift)?;
        let mut memo: HashMap<u16, GroupSet> = HashMap::new();
        let mut closure = vec![GroupSet::EMPTY; SPACE];
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
            let c = match memo.get(&t) {
                Some(&c) => c,
                None => {
                    let c = closure_of(GroupSet::from_bits(t), &gens)?;
                    memo.insert(t, c);
                    c
                }
            };
            closure[bits as usize] = c;
        }
        let mut c = Classes::from_closures(shift, closure);
        c.seconds = Some(started.elapsed().as_secs_f64());
        Ok(c)
    }

    fn from_closures(grid: Grid, closure: Vec<GroupSet>) -> Self {
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
            grid,
            closure,
            classes,
            index,
            seconds: None,
        }
    }

    pub fn shift(&self) -> Shift {
        self.grid.shift
    }

    pub fn grid(&self) -> Grid {
        self.grid
    }

    /// Seconds the closures took to compute in this process; None if they were read
    /// from the cache.
    pub fn seconds(&self) -> Option<f64> {
        self.seconds
    }

    /// Free parameters of the network of `class` for greyscale input and 10 classes.
    pub fn params(&self, class: &Class) -> Result<usize, GroupError> {
        let shape = Shape {
            side: self.grid.side,
            ..Shape::MNIST
        };
        Ok(ChildOrbits::for_shape(shape, class.closure, self.grid.shift)?.params())
    }

    /// C(s): the class's key and representative.
    pub fn closure(&self, s: GroupSet) -> GroupSet {
        self.closure[s.bits() as usize]
    }

    /// The class of `s`.
    pub fn class_of(&self, s: GroupSet) -> &Class {
        &self.classes[self.position(s)]
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

/// The first line of a cache file: format, rule and the SHA-256 of the closures line.
/// MNIST's grid keeps the header it had before other sides existed.
fn cache_header(grid: Grid, line: &str) -> String {
    use sha2::{Digest, Sha256};
    let sum: String = (Sha256::digest(line.as_bytes()).iter())
        .map(|b| format!("{b:02x}"))
        .collect();
    match grid.side {
        INPUT_SIDE => format!("aen-classes v2 {:?} sha256 {sum}", grid.shift),
        n => format!("aen-classes v2 side {n} {:?} sha256 {sum}", grid.shift),
    }
}

/// Where the classes of `shift` are kept between runs: the user's cache folder
/// (`AEN_CACHE_DIR` overrides it).
fn cache_file(grid: Grid) -> Option<std::path::PathBuf> {
    let dir = match std::env::var_os("AEN_CACHE_DIR") {
        Some(d) => std::path::PathBuf::from(d),
        None => directories::ProjectDirs::from("", "", "aen")?
            .cache_dir()
            .to_path_buf(),
    };
    let side = match grid.side {
        INPUT_SIDE => String::new(),
        n => format!("side{n}-"),
    };
    let name = match grid.shift {
        Shift::Step(d) => format!("classes-v2-{side}step{d}.txt"),
        Shift::Order(k) => format!("classes-v2-{side}order{k}.txt"),
    };
    Some(dir.join(name))
}

/// The generators of all twelve groups on both grids.
struct Generators {
    input: Vec<Perm>,
    hidden: Vec<Perm>,
    grid: Grid,
}

impl Generators {
    fn new(grid: Grid) -> Result<Generators, GroupError> {
        let shift = grid.shift;
        let on = |side: usize| -> Result<Vec<Perm>, GroupError> {
            let step = shift.step_on(side)?;
            Group::ALL.iter().map(|g| g.generator(side, step)).collect()
        };
        Ok(Generators {
            input: on(grid.side)?,
            hidden: on(HIDDEN_SIDE)?,
            grid,
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

/// Whether `p` maps every orbit of the cell partition `cells` onto itself.
fn preserves_cells(cells: &[u32], p: &Perm) -> bool {
    (0..cells.len()).all(|i| cells[i] == cells[p.0[i] as usize])
}

/// C(t).
fn closure_of(t: GroupSet, gens: &Generators) -> Result<GroupSet, GroupError> {
    // A generator that preserves the weight orbits preserves the cell orbits of both
    // grids (the weight (x, y) and its image share an orbit, so some element maps x to
    // g(x)): a cheap test that settles most generators before any weight orbit is
    // built.
    let (side, shift) = (gens.grid.side, gens.grid.shift);
    let (input, _) = cell_orbits(side, t, shift)?;
    let (hidden, _) = cell_orbits(HIDDEN_SIDE, t, shift)?;
    let maybe: Vec<Group> = (Group::ALL.into_iter())
        .filter(|g| !t.contains(*g))
        .filter(|g| {
            preserves_cells(&input, &gens.input[g.bit()])
                && preserves_cells(&hidden, &gens.hidden[g.bit()])
        })
        .collect();
    if maybe.is_empty() {
        return Ok(t);
    }
    let shape = Shape {
        side,
        ..Shape::MNIST
    };
    let o = ChildOrbits::for_shape(shape, t, shift)?;
    let mut c = t;
    for g in maybe {
        let b = g.bit();
        if preserves(&o.l1, &gens.input[b], &gens.hidden[b])
            && preserves(&o.l2, &gens.hidden[b], &gens.hidden[b])
        {
            c = c.with(g);
        }
    }
    Ok(c)
}
