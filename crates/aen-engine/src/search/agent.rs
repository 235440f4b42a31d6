//! The deep Q-learning agent of docs/method.md §6: policy and target networks, replay
//! memory, epsilon-greedy choice and the Huber-loss update. Every random choice comes
//! from one seeded generator, in a fixed order, which makes resume by replay exact.

use crate::groups::{GroupSet, NUM_GROUPS};
use crate::kernel::{Adam, Layer, Mlp, Work};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;
use std::sync::Arc;

/// Width of the Q-network's three hidden layers.
const WIDTH: usize = 400;

/// The Q-network, 12-400-400-400-12 with ReLU, on aen's CPU kernel: an update is a
/// few products on reused memory and Adam, with nothing allocated. Public for the
/// benches, which measure the machine's gemm rate on its shapes.
pub fn q_network() -> Mlp {
    Mlp::new(vec![
        Layer::dense(NUM_GROUPS, WIDTH, true),
        Layer::dense(WIDTH, WIDTH, true),
        Layer::dense(WIDTH, WIDTH, true),
        Layer::dense(WIDTH, NUM_GROUPS, false),
    ])
}

struct Transition {
    state: GroupSet,
    action: usize,
    reward: f32,
    next: GroupSet,
}

/// The action taken at a step and why.
pub struct Choice {
    pub action: usize,
    pub greedy: bool,
    /// Q-values of the state, one per action.
    pub q_values: Vec<f32>,
}

pub struct Agent {
    net: Arc<Mlp>,
    policy: Vec<f32>,
    target: Vec<f32>,
    opt: Adam,
    /// Memory for the policy's and the target's passes over a batch.
    work: Option<(Work, Work)>,
    /// max_a Q_target(s, a) by state bits, NaN where not computed since the target
    /// last changed.
    next_best: Vec<f32>,
    rng: ChaCha8Rng,
    memory: VecDeque<Transition>,
}

fn state_vec(s: GroupSet) -> [f32; NUM_GROUPS] {
    // Input scaled by 1/10 (docs/method.md §6).
    std::array::from_fn(|k| if s.bits() & (1 << k) != 0 { 0.1 } else { 0.0 })
}

/// Huber's loss with delta 1, its derivative with respect to the prediction.
fn huber_grad(error: f32) -> f32 {
    error.clamp(-1.0, 1.0)
}

/// Huber's loss with delta 1: quadratic near zero, linear beyond.
fn huber(error: f32) -> f64 {
    let a = f64::from(error.abs());
    if a <= 1.0 { 0.5 * a * a } else { a - 0.5 }
}

impl Agent {
    pub fn new(seed: u64, q_lr: f64) -> Agent {
        let net = Arc::new(q_network());
        let policy = net.init(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x0051_A7E5));
        let opt = Adam::new(net.n_params(), q_lr);
        Agent {
            target: policy.clone(),
            policy,
            net,
            opt,
            work: None,
            next_best: vec![f32::NAN; 1 << NUM_GROUPS],
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xD0_5EA2C4),
            memory: VecDeque::new(),
        }
    }

    pub fn set_lr(&mut self, lr: f64) {
        self.opt.lr = lr;
    }

    pub fn q_values(&self, s: GroupSet) -> Vec<f32> {
        q_values(&self.net, &self.policy, s)
    }

    /// Epsilon-greedy: a random action with probability `eps`, else the argmax.
    pub fn choose(&mut self, state: GroupSet, eps: f64) -> Choice {
        let q = self.q_values(state);
        epsilon_greedy(&mut self.rng, q, eps)
    }

    /// A copy that chooses as this agent would but does not learn: its Q-values stay
    /// those of now, and each step only consumes the random draws that the agent's
    /// update would (their number does not depend on the rewards). The search uses it
    /// to predict which states come next; exploratory moves are predicted exactly.
    pub fn frozen(&self) -> Frozen {
        Frozen {
            net: self.net.clone(),
            policy: self.policy.clone(),
            rng: self.rng.clone(),
            memory: self.memory.len(),
        }
    }

    pub fn remember(
        &mut self,
        state: GroupSet,
        action: usize,
        reward: f64,
        next: GroupSet,
        cap: usize,
    ) {
        while self.memory.len() >= cap {
            self.memory.pop_front();
        }
        self.memory.push_back(Transition {
            state,
            action,
            reward: reward as f32,
            next,
        });
    }

    pub fn sync_target(&mut self) {
        self.target.copy_from_slice(&self.policy);
        self.next_best.fill(f32::NAN);
    }

    /// One DQN update on a random batch of the replay memory, once it holds a batch:
    /// loss = huber(Q(s)[a], r + gamma * max_a' Q_target(s', a')), the batch's mean.
    ///
    /// A state is one of 4,096, so the work is done per distinct state: the target
    /// network's best value of each next state is kept until the target changes, and
    /// the policy runs once per distinct state of the batch, the gradients of its rows
    /// summed into that state's row (the same gradient, summed in another order).
    ///
    /// Returns the batch's mean loss before the update, or None while the memory holds
    /// less than a batch (nothing learned). It is only reported: summing it changes no
    /// gradient, so the search is the same bits with or without it.
    pub fn optimize(&mut self, batch: usize, gamma: f64) -> Option<f64> {
        if self.memory.len() < batch {
            return None;
        }
        let net = &*self.net;
        if !self.work.as_ref().is_some_and(|(w, _)| w.fits(net, batch)) {
            self.work = Some((Work::new(net, batch, batch), Work::new(net, batch, batch)));
        }
        let Some((work, next)) = &mut self.work else {
            unreachable!("made just above")
        };
        let drawn = draw_batch(&mut self.rng, self.memory.len(), batch);
        let best = &mut self.next_best;
        // The next states whose best target value is not known yet, each once.
        let mut unknown: Vec<GroupSet> = Vec::new();
        for &k in &drawn {
            let s2 = self.memory[k].next;
            if best[s2.bits() as usize].is_nan() && !unknown.contains(&s2) {
                unknown.push(s2);
            }
        }
        if !unknown.is_empty() {
            let x = next.input(unknown.len());
            for (row, s2) in x.chunks_exact_mut(NUM_GROUPS).zip(&unknown) {
                row.copy_from_slice(&state_vec(*s2));
            }
            let q = next.forward(net, &self.target, unknown.len());
            for (q, s2) in q.chunks_exact(NUM_GROUPS).zip(&unknown) {
                best[s2.bits() as usize] = q.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            }
        }
        // The distinct states of the batch, and each row's among them.
        let mut states: Vec<GroupSet> = Vec::new();
        let rows: Vec<usize> = (drawn.iter())
            .map(|&k| {
                let s = self.memory[k].state;
                states.iter().position(|&u| u == s).unwrap_or_else(|| {
                    states.push(s);
                    states.len() - 1
                })
            })
            .collect();
        let x = work.input(states.len());
        for (row, s) in x.chunks_exact_mut(NUM_GROUPS).zip(&states) {
            row.copy_from_slice(&state_vec(*s));
        }
        work.forward(net, &self.policy, states.len());
        let (q, delta) = work.output_delta(net, states.len());
        delta.fill(0.0);
        let mut loss = 0.0;
        for (&k, &u) in drawn.iter().zip(&rows) {
            let t = &self.memory[k];
            let y = best[t.next.bits() as usize] * gamma as f32 + t.reward;
            let at = u * NUM_GROUPS + t.action;
            delta[at] += huber_grad(q[at] - y) / batch as f32;
            loss += huber(q[at] - y);
        }
        work.backward(net, &self.policy, states.len());
        self.opt.step(&mut self.policy, work.grad());
        Some(loss / batch as f64)
    }
}

fn q_values(net: &Mlp, policy: &[f32], s: GroupSet) -> Vec<f32> {
    net.predict(policy, &state_vec(s), 1)
}

/// The replay memory indices of one update's batch.
fn draw_batch(rng: &mut ChaCha8Rng, len: usize, batch: usize) -> Vec<usize> {
    (0..batch).map(|_| rng.gen_range(0..len)).collect()
}

fn epsilon_greedy(rng: &mut ChaCha8Rng, q_values: Vec<f32>, eps: f64) -> Choice {
    let greedy = rng.r#gen::<f64>() >= eps;
    let action = if greedy {
        q_values
            .iter()
            .enumerate()
            .fold(0, |best, (k, &v)| if v > q_values[best] { k } else { best })
    } else {
        rng.gen_range(0..NUM_GROUPS)
    };
    Choice {
        action,
        greedy,
        q_values,
    }
}

/// An agent that does not learn: see [`Agent::frozen`].
#[derive(Clone)]
pub struct Frozen {
    net: Arc<Mlp>,
    policy: Vec<f32>,
    rng: ChaCha8Rng,
    /// Transitions the agent's replay memory would hold.
    memory: usize,
}

impl Frozen {
    pub fn choose(&mut self, state: GroupSet, eps: f64) -> Choice {
        let q = q_values(&self.net, &self.policy, state);
        epsilon_greedy(&mut self.rng, q, eps)
    }

    /// What [`Agent::remember`] and [`Agent::optimize`] do to the random stream.
    pub fn observe(&mut self, cap: usize, batch: usize) {
        self.memory = (self.memory + 1).min(cap);
        if self.memory >= batch {
            draw_batch(&mut self.rng, self.memory, batch);
        }
    }
}
