//! The deep Q-learning agent of docs/method.md §6: policy and target networks, replay
//! memory, epsilon-greedy choice and the Huber-loss update. Every random choice comes
//! from one seeded generator, in a fixed order, which makes resume by replay exact.

use crate::groups::{GroupSet, NUM_GROUPS};
use crate::nn::Dev;
use dfdx::optim::{Adam, AdamConfig, Optimizer};
use dfdx::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

type QNet = (
    (Linear<NUM_GROUPS, 400>, ReLU),
    (Linear<400, 400>, ReLU),
    (Linear<400, 400>, ReLU),
    Linear<400, NUM_GROUPS>,
);
type QModel = <QNet as BuildOnDevice<Dev, f32>>::Built;

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
    dev: Dev,
    policy: QModel,
    target: QModel,
    grads: Gradients<f32, Dev>,
    opt: Adam<QModel, f32, Dev>,
    rng: ChaCha8Rng,
    memory: VecDeque<Transition>,
}

fn state_vec(s: GroupSet) -> [f32; NUM_GROUPS] {
    // Input scaled by 1/10 (docs/method.md §6).
    std::array::from_fn(|k| if s.bits() & (1 << k) != 0 { 0.1 } else { 0.0 })
}

impl Agent {
    pub fn new(seed: u64, q_lr: f64) -> Agent {
        let dev = Dev::seed_from_u64(seed ^ 0x0051_A7E5);
        let policy = dev.build_module::<QNet, f32>();
        let target = policy.clone();
        let grads = policy.alloc_grads();
        let opt = Adam::new(
            &policy,
            AdamConfig {
                lr: q_lr,
                ..Default::default()
            },
        );
        Agent {
            dev,
            policy,
            target,
            grads,
            opt,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xD0_5EA2C4),
            memory: VecDeque::new(),
        }
    }

    pub fn set_lr(&mut self, lr: f64) {
        self.opt.cfg.lr = lr;
    }

    pub fn memory_len(&self) -> usize {
        self.memory.len()
    }

    pub fn q_values(&self, s: GroupSet) -> Vec<f32> {
        q_values(&self.dev, &self.policy, s)
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
            dev: self.dev.clone(),
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
        self.target.clone_from(&self.policy);
    }

    /// One DQN update on a random batch of the replay memory, once it holds a batch:
    /// loss = huber(Q(s)[a], r + gamma * max_a' Q_target(s', a')).
    pub fn optimize(&mut self, batch: usize, gamma: f64) {
        if self.memory.len() < batch {
            return;
        }
        let mut s = Vec::with_capacity(batch * NUM_GROUPS);
        let mut s2 = Vec::with_capacity(batch * NUM_GROUPS);
        let mut a = Vec::with_capacity(batch);
        let mut r = Vec::with_capacity(batch);
        for k in draw_batch(&mut self.rng, self.memory.len(), batch) {
            let t = &self.memory[k];
            s.extend(state_vec(t.state));
            s2.extend(state_vec(t.next));
            a.push(t.action);
            r.push(t.reward);
        }
        let dev = &self.dev;
        let s = dev.tensor_from_vec(s, (batch, Const::<NUM_GROUPS>));
        let s2 = dev.tensor_from_vec(s2, (batch, Const::<NUM_GROUPS>));
        let a = dev.tensor_from_vec(a, (batch,));
        let r = dev.tensor_from_vec(r, (batch,));
        let next_max = self.target.forward(s2).max::<(usize,), _>();
        let target = next_max * (gamma as f32) + r;
        let grads = std::mem::replace(&mut self.grads, self.policy.alloc_grads());
        let q = self.policy.forward(s.traced(grads)).select(a);
        let loss = huber_loss(q, target, 1.0);
        let mut grads = loss.backward();
        self.opt
            .update(&mut self.policy, &grads)
            .expect("every Q parameter is used");
        self.policy.zero_grads(&mut grads);
        self.grads = grads;
    }
}

fn q_values(dev: &Dev, policy: &QModel, s: GroupSet) -> Vec<f32> {
    let x = dev.tensor_from_vec(state_vec(s).to_vec(), (1usize, Const::<NUM_GROUPS>));
    policy.forward(x).as_vec()
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
    dev: Dev,
    policy: QModel,
    rng: ChaCha8Rng,
    /// Transitions the agent's replay memory would hold.
    memory: usize,
}

impl Frozen {
    pub fn choose(&mut self, state: GroupSet, eps: f64) -> Choice {
        let q = q_values(&self.dev, &self.policy, state);
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
