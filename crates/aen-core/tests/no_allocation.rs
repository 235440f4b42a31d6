//! A training step of the kernel allocates nothing of its own: the child's (tied and
//! dense) and the Q-network's, once their memory is made, allocate exactly what the
//! step's matrix products allocate when run alone (gemm takes a packing buffer per
//! call, served from the allocator's free lists after the first step). Its own binary,
//! for its counting allocator.

use aen_core::groups::GroupSet;
use aen_core::kernel::{Adam, Layer, Mlp, Work, cross_entropy, matmul};
use aen_core::orbits::ChildOrbits;
use aen_core::train::cpu::child_mlp;
use rand::SeedableRng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed to the system allocator unchanged; counting touches
// only a thread-local integer, which allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(|c| c.get())
}

/// Allocations of `steps` training steps of `net` on `rows` rows, after one warm-up.
fn count(net: &Mlp, rows: usize, steps: usize) -> usize {
    let mut params = net.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
    let mut adam = Adam::new(net.n_params(), 1e-3);
    let mut work = Work::new(net, rows, rows);
    let classes = net.outputs();
    let mut step = |work: &mut Work| {
        let x = work.input(rows);
        x.iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = (i % 7) as f32 / 7.0);
        work.gather(net, &params);
        work.forward(net, &params, rows);
        let (logits, delta) = work.output_delta(net, rows);
        cross_entropy(logits, classes, |r| r % classes, delta);
        work.backward(net, &params, rows);
        adam.step(&mut params, work.grad());
    };
    step(&mut work);
    let before = allocations();
    for _ in 0..steps {
        step(&mut work);
    }
    allocations() - before
}

/// Allocations of the products of `steps` steps alone, in a step's shapes and order.
fn products_alone(net: &Mlp, rows: usize, steps: usize) -> usize {
    let ls = net.layers();
    let big = ls
        .iter()
        .map(|l| l.inp.max(rows) * l.out.max(rows))
        .max()
        .unwrap();
    let (a, b, mut c) = (vec![0.5f32; big], vec![0.5f32; big], vec![0.0f32; big]);
    let mut step = || {
        for l in ls {
            matmul(
                (rows, l.inp, l.out),
                (&a, l.inp, 1),
                (&b, l.out, 1),
                &mut c,
                true,
            );
        }
        for (k, l) in ls.iter().enumerate().rev() {
            matmul(
                (l.inp, rows, l.out),
                (&a, 1, l.inp),
                (&b, l.out, 1),
                &mut c,
                false,
            );
            if k > 0 {
                matmul(
                    (rows, l.out, l.inp),
                    (&a, l.out, 1),
                    (&b, 1, l.out),
                    &mut c,
                    false,
                );
            }
        }
    };
    step();
    let before = allocations();
    (0..steps).for_each(|_| step());
    allocations() - before
}

#[test]
fn kernel_steps_allocate_nothing_but_what_their_products_do() {
    for text in ["none", "rot90", "preset:2"] {
        let orbits = ChildOrbits::new(GroupSet::parse(text).unwrap(), 4).unwrap();
        let net = child_mlp(&orbits);
        let gemm = products_alone(&net, 64, 5);
        assert!(
            gemm <= 5 * 2 * 8,
            "gemm allocates at most twice per product: {gemm}"
        );
        assert_eq!(count(&net, 64, 5), gemm, "{text}");
    }
    let q = Mlp::new(vec![
        Layer::dense(12, 400, true),
        Layer::dense(400, 400, true),
        Layer::dense(400, 400, true),
        Layer::dense(400, 12, false),
    ]);
    assert_eq!(count(&q, 128, 5), products_alone(&q, 128, 5), "Q-network");
}
