//! The one matrix product the kernel is made of, and the count of its operations.

use std::sync::atomic::{AtomicU64, Ordering};

/// Floating-point operations multiplied by `matmul` in this process, for benches that
/// set a run's time against the time its products alone would take (`flops_done`).
static FLOPS: AtomicU64 = AtomicU64::new(0);

/// Floating-point operations (2 per multiply-add) that `matmul` has done in this
/// process, on every thread. One relaxed add per product keeps it free beside them.
pub fn flops_done() -> u64 {
    FLOPS.load(Ordering::Relaxed)
}

/// c (m x n) = a (m x k) b (k x n), plus c if `accumulate`; a and b are given with their
/// (row stride, column stride), so transposes cost nothing. One thread: aen puts its
/// cores to work on different children, which scales better than splitting a product
/// of 64 rows.
pub fn matmul(
    (m, k, n): (usize, usize, usize),
    (a, a_rs, a_cs): (&[f32], usize, usize),
    (b, b_rs, b_cs): (&[f32], usize, usize),
    c: &mut [f32],
    accumulate: bool,
) {
    assert!(m == 0 || k == 0 || (m - 1) * a_rs + (k - 1) * a_cs < a.len());
    assert!(k == 0 || n == 0 || (k - 1) * b_rs + (n - 1) * b_cs < b.len());
    assert!(c.len() >= m * n);
    FLOPS.fetch_add(2 * (m * n * k) as u64, Ordering::Relaxed);
    // SAFETY: the asserts above keep every read of gemm inside a and b and every write
    // inside c, which is row-major m x n and aliases neither (distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}
