//! Per-call cost of the binding (not run by the tests; figures in bench/README.md):
//! `cargo run --release --offline --example overhead`. A 512x512 gray frame in
//! memory, and a 4x4 one, which the library answers at once (too small), so its
//! time is almost all call overhead: an upper bound on what the binding adds.
use std::time::Instant;

fn per_call(w: i32, h: i32, calls: u32) -> f64 {
    // Results are summed (and the sum checked) so no call can be optimised away.
    let mut sink = 0i64;
    let pix: Vec<u8> = (0..(w * h) as usize).map(|i| (i * 7 + i / w as usize) as u8).collect();
    let frame = pdqguard::Frame::new(pdqguard::Format::Gray8, w, h, &pix);
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..calls {
            sink += i64::from(pdqguard::hash_frame(&frame).unwrap().quality);
        }
        best = best.min(t.elapsed().as_secs_f64() / calls as f64);
    }
    assert!(sink >= 0);
    best
}

fn main() {
    println!("gray8 512x512: {:.1} us per call", per_call(512, 512, 2000) * 1e6);
    println!("gray8 4x4:     {:.3} us per call", per_call(4, 4, 1_000_000) * 1e6);
}
