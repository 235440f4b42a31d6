//! The powers of each selected group's generator, for drawing random group elements.

use super::group::{Group, GroupError};
use super::perm::Perm;
use super::set::GroupSet;
use super::shift::Shift;

/// All powers g^0 .. g^(order-1) of each selected group's generator, used to draw
/// random group elements quickly.
pub struct GroupPowers {
    pub per_group: Vec<(Group, Vec<Perm>)>,
}

impl GroupPowers {
    pub fn new(
        set: GroupSet,
        n: usize,
        shift: impl Into<Shift>,
    ) -> Result<GroupPowers, GroupError> {
        let step = shift.into().step_on(n)?;
        let mut per_group = Vec::new();
        for g in set.iter() {
            let generator = g.generator(n, step)?;
            let order = generator.order();
            let mut powers = vec![Perm::identity(n * n)];
            for k in 1..order {
                powers.push(generator.after(&powers[k - 1]));
            }
            per_group.push((g, powers));
        }
        Ok(GroupPowers { per_group })
    }
}
