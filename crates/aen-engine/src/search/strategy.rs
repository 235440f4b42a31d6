//! Search strategies (docs/method.md §10): the paper's deep Q-learning and the simple
//! searches that the architecture-search literature found hard to beat: random search
//! over untried states, local search (first-improvement hill climbing over one-bit flips
//! with random restarts) and regularized evolution (tournament selection, one-bit
//! mutation, the oldest member removed). Each draws from its own seeded generator in a
//! fixed order, so every strategy resumes exactly by replay.

use super::agent::{Agent, Frozen};
use crate::classes::Classes;
use crate::groups::{GroupSet, NUM_GROUPS};
pub use crate::settings::StrategyKind;
use crate::settings::{SearchSettings, Settings};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// The score of a neighbour not evaluated yet (accuracies lie in 0..=100; JSON has no
/// NaN).
pub const UNKNOWN: f32 = -1.0;

/// The action of a step that jumps to a state more than one bit away.
pub const JUMP: usize = NUM_GROUPS;

/// What a strategy proposes to evaluate next.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The state the move starts from.
    pub from: GroupSet,
    pub next: GroupSet,
    /// The bit toggled, or [`JUMP`].
    pub action: usize,
    /// DQN: the argmax was taken (not a random action); others: a move, not a restart.
    pub greedy: bool,
    /// One score per action: Q-values (DQN) or neighbour accuracies ([`UNKNOWN`] if not
    /// evaluated).
    pub scores: Vec<f32>,
}

/// What the strategies may read of the search so far: accuracies of evaluated states
/// (a state is evaluated when its network is).
pub trait Known {
    fn accuracy(&self, s: GroupSet) -> Option<f64>;
    /// Networks evaluated.
    fn count(&self) -> usize;
    /// The classes of equivalent states; None: every state is its own network.
    fn classes(&self) -> Option<&Classes>;
    /// The network `s` trains: its closure, or itself.
    fn network(&self, s: GroupSet) -> GroupSet {
        crate::settings::network_of(self.classes(), s)
    }
}

pub enum Strategy {
    Dqn(Box<Agent>),
    /// A DQN that does not learn, for looking ahead ([`Strategy::lookahead`]).
    Frozen(Box<Frozen>),
    Random(ChaCha8Rng),
    Local(Local),
    Evolution(Evolution),
}

#[derive(Clone)]
pub struct Local {
    rng: ChaCha8Rng,
    current: Option<(GroupSet, f64)>,
    restarting: bool,
}

#[derive(Clone)]
pub struct Evolution {
    rng: ChaCha8Rng,
    population: VecDeque<(GroupSet, f64)>,
}

fn toggle(s: GroupSet, bit: usize) -> GroupSet {
    GroupSet::from_bits(s.bits() ^ (1 << bit))
}

fn neighbour_scores(s: GroupSet, known: &dyn Known) -> Vec<f32> {
    (0..NUM_GROUPS)
        .map(|b| known.accuracy(toggle(s, b)).map_or(UNKNOWN, |a| a as f32))
        .collect()
}

/// A uniformly random state not evaluated yet (any state once all are). With classes a
/// state is evaluated when its class is, so this draws a uniformly random state among
/// the untrained classes' states: a class is drawn in proportion to its size, as the
/// states are, and never twice. (Drawing classes uniformly instead was measured and
/// was slower to the true top 1 % wherever the best network is a large class, as with
/// translations: README, "Equivalent group sets".)
fn random_untried(rng: &mut ChaCha8Rng, known: &dyn Known) -> GroupSet {
    let networks = known.classes().map_or(1 << NUM_GROUPS, |c| c.len());
    let all = 1u16 << NUM_GROUPS;
    if known.count() < networks {
        loop {
            let s = GroupSet::from_bits(rng.gen_range(0..all));
            if known.accuracy(s).is_none() {
                return s;
            }
        }
    }
    GroupSet::from_bits(rng.gen_range(0..all))
}

fn dqn_move(from: GroupSet, c: super::agent::Choice) -> Choice {
    Choice {
        from,
        next: toggle(from, c.action),
        action: c.action,
        greedy: c.greedy,
        scores: c.q_values,
    }
}

fn jump(from: GroupSet, next: GroupSet, known: &dyn Known) -> Choice {
    let diff = from.bits() ^ next.bits();
    let action = if diff.count_ones() == 1 {
        diff.trailing_zeros() as usize
    } else {
        JUMP
    };
    Choice {
        from,
        next,
        action,
        greedy: false,
        scores: neighbour_scores(from, known),
    }
}

impl Strategy {
    pub fn new(settings: &Settings) -> Strategy {
        let seed = settings.data.seed;
        let rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EA2_C4ED);
        match settings.search.strategy {
            StrategyKind::Dqn => Strategy::Dqn(Box::new(Agent::new(seed, settings.search.q_lr))),
            StrategyKind::Random => Strategy::Random(rng),
            StrategyKind::Local => Strategy::Local(Local {
                rng,
                current: None,
                restarting: true,
            }),
            StrategyKind::Evolution => Strategy::Evolution(Evolution {
                rng,
                population: VecDeque::new(),
            }),
        }
    }

    /// A copy to look ahead with: it makes the same choices from the same generators
    /// as long as it is told the same outcomes, except that a DQN stops learning (see
    /// [`Agent::frozen`]). The search predicts its next states with it.
    pub fn lookahead(&self) -> Strategy {
        match self {
            Strategy::Dqn(a) => Strategy::Frozen(Box::new(a.frozen())),
            Strategy::Frozen(f) => Strategy::Frozen(f.clone()),
            Strategy::Random(rng) => Strategy::Random(rng.clone()),
            Strategy::Local(l) => Strategy::Local(l.clone()),
            Strategy::Evolution(e) => Strategy::Evolution(e.clone()),
        }
    }

    /// The next state to evaluate. `walk` is the DQN's current state in its episode.
    pub fn choose(
        &mut self,
        walk: GroupSet,
        eps: f64,
        known: &dyn Known,
        s: &SearchSettings,
    ) -> Choice {
        match self {
            Strategy::Dqn(agent) => dqn_move(walk, agent.choose(walk, eps)),
            Strategy::Frozen(f) => dqn_move(walk, f.choose(walk, eps)),
            Strategy::Random(rng) => jump(walk, random_untried(rng, known), known),
            Strategy::Local(l) => l.choose(known),
            Strategy::Evolution(e) => e.choose(known, s),
        }
    }

    /// The outcome of the last choice. Returns the DQN's Q-network loss, where it
    /// learned from this step.
    pub fn observe(
        &mut self,
        c: &Choice,
        reward: f64,
        val_acc: f64,
        new: bool,
        s: &SearchSettings,
        models: usize,
    ) -> Option<f64> {
        match self {
            Strategy::Dqn(agent) => {
                agent.remember(c.from, c.action, reward, c.next, s.replay_capacity);
                let loss = agent.optimize(s.q_batch, s.gamma);
                if new && models.is_multiple_of(s.target_update) {
                    agent.sync_target();
                }
                return loss;
            }
            Strategy::Frozen(f) => f.observe(s.replay_capacity, s.q_batch),
            Strategy::Random(_) => {}
            Strategy::Local(l) => l.observe(c.next, val_acc),
            Strategy::Evolution(e) => {
                e.population.push_back((c.next, val_acc));
                while e.population.len() > s.population {
                    e.population.pop_front();
                }
            }
        }
        None
    }

    /// Live changes that reach inside the strategy.
    pub fn sync(&mut self, s: &Settings) {
        if let Strategy::Dqn(agent) = self {
            agent.set_lr(s.search.q_lr);
        }
    }
}

impl Local {
    fn choose(&mut self, known: &dyn Known) -> Choice {
        if let Some((cur, _)) = self.current.filter(|_| !self.restarting) {
            let mut bits: Vec<usize> = (0..NUM_GROUPS).collect();
            bits.shuffle(&mut self.rng);
            let cur_acc = self.current.map_or(f64::MIN, |(_, a)| a);
            // An untried neighbour first; else a known better one (a free move).
            let pick = bits
                .iter()
                .find(|&&b| known.accuracy(toggle(cur, b)).is_none())
                .or_else(|| {
                    bits.iter()
                        .find(|&&b| known.accuracy(toggle(cur, b)).is_some_and(|a| a > cur_acc))
                });
            if let Some(&b) = pick {
                let mut c = jump(cur, toggle(cur, b), known);
                c.greedy = true;
                return c;
            }
        }
        // A local optimum (every neighbour known, none better) or the start: restart.
        self.restarting = true;
        let from = self.current.map_or(GroupSet::EMPTY, |(c, _)| c);
        let next = random_untried(&mut self.rng, known);
        jump(from, next, known)
    }

    fn observe(&mut self, next: GroupSet, acc: f64) {
        let better = self.current.is_none_or(|(_, a)| acc > a);
        if self.restarting || better {
            self.current = Some((next, acc));
        }
        self.restarting = false;
    }
}

impl Evolution {
    fn choose(&mut self, known: &dyn Known, s: &SearchSettings) -> Choice {
        if self.population.len() < s.population {
            let next = random_untried(&mut self.rng, known);
            return jump(GroupSet::EMPTY, next, known);
        }
        let n = self.population.len();
        let parent = (0..s.tournament.min(n))
            .map(|_| self.population[self.rng.gen_range(0..n)])
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, _)| p)
            .unwrap_or_default();
        let bit = self.rng.gen_range(0..NUM_GROUPS);
        let mut c = jump(parent, toggle(parent, bit), known);
        c.greedy = true;
        c
    }
}
