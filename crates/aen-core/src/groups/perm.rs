//! Permutations of grid cells: composition, powers, order and application to an image.

/// A permutation of grid cells: `self.0[i]` is where cell i goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Perm(pub Vec<u32>);

impl Perm {
    pub fn identity(len: usize) -> Perm {
        Perm((0..len as u32).collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_identity(&self) -> bool {
        self.0.iter().enumerate().all(|(i, &p)| p as usize == i)
    }

    /// `self` after `first`: cell i goes to self(first(i)).
    pub fn after(&self, first: &Perm) -> Perm {
        Perm(first.0.iter().map(|&j| self.0[j as usize]).collect())
    }

    pub fn pow(&self, k: usize) -> Perm {
        let mut out = Perm::identity(self.len());
        for _ in 0..k {
            out = self.after(&out);
        }
        out
    }

    /// Smallest k > 0 with self^k = id: the lcm of the cycle lengths.
    pub fn order(&self) -> usize {
        let mut seen = vec![false; self.len()];
        let mut order = 1usize;
        for start in 0..self.len() {
            if seen[start] {
                continue;
            }
            let mut len = 0;
            let mut i = start;
            while !seen[i] {
                seen[i] = true;
                i = self.0[i] as usize;
                len += 1;
            }
            order = lcm(order, len);
        }
        order
    }

    pub fn is_bijection(&self) -> bool {
        let mut hit = vec![false; self.len()];
        for &p in &self.0 {
            match hit.get_mut(p as usize) {
                Some(h) if !*h => *h = true,
                _ => return false,
            }
        }
        true
    }

    /// Moves the content of every cell to its image: `out[p(i)] = img[i]`.
    pub fn apply<T: Copy>(&self, img: &[T], out: &mut [T]) {
        for (i, &p) in self.0.iter().enumerate() {
            out[p as usize] = img[i];
        }
    }
}

pub fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

pub fn lcm(a: usize, b: usize) -> usize {
    a / gcd(a, b) * b
}
