//! Bounded byte-mutation fuzzing: truncations, bit flips and hostile byte values applied to real
//! fixtures must give `Ok` or a typed error — never a panic, a hang or a giant allocation.
//!
//! Deterministic (xorshift seed per fixture) so any failure reproduces; the failing input is
//! written next to the test binary and can be committed under tests/fixtures/crashes/.
//! `KERUST_HDF5_FUZZ_ITERS` raises the per-fixture iteration count and `KERUST_HDF5_FUZZ_SEED`
//! picks another mutant stream, for longer sessions (ideally in release mode too, where integer
//! overflow wraps instead of panicking).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use kerust_hdf5::{File, Hdf5Error, Limits};

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(orig: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut b = orig.to_vec();
    match rng.below(4) {
        0 => b.truncate(rng.below(orig.len())),
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
        }
        2 => {
            // Sizes and addresses set to extremes are what breaks naive parsers.
            const HOSTILE: [u8; 5] = [0x00, 0xFF, 0x7F, 0x80, 0x01];
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(b.len());
                let run = 1 + rng.below(8);
                let v = HOSTILE[rng.below(HOSTILE.len())];
                for x in b.iter_mut().skip(i).take(run) {
                    *x = v;
                }
            }
        }
        _ => {
            // Copy a chunk of the file over another place (duplicated headers/addresses).
            let len = 1 + rng.below(32);
            let from = rng.below(b.len().saturating_sub(len));
            let to = rng.below(b.len().saturating_sub(len));
            let chunk = b[from..from + len.min(b.len() - from)].to_vec();
            for (k, x) in chunk.into_iter().enumerate() {
                if let Some(slot) = b.get_mut(to + k) {
                    *slot = x;
                }
            }
        }
    }
    b
}

/// Decode one input on a worker thread so a hang shows up as a timeout instead of a stuck test.
fn decode_with_deadline(bytes: Vec<u8>, deadline: Duration) -> Option<Result<(), Hdf5Error>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let limits = Limits {
            max_total_bytes: 64 << 20,
            ..Limits::default()
        };
        let r = File::from_bytes_named(bytes, "mutant.h5", limits).map(|f| {
            // Touch the decoded tree the way a caller would.
            for d in f.walk_datasets() {
                let _ = d.read_f64();
            }
        });
        let _ = tx.send(r);
    });
    rx.recv_timeout(deadline).ok()
}

#[test]
fn mutated_fixtures_never_panic_or_hang() {
    let iters: usize = std::env::var("KERUST_HDF5_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let seed0: u64 = std::env::var("KERUST_HDF5_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let out = std::env::temp_dir();
    let start = Instant::now();
    let mut total = (0usize, 0usize);
    for (seed, name) in [
        "h5py_earliest.h5",
        "h5py_latest.h5",
        "keras3_model.h5",
        "keras3.weights.h5",
        "tfkeras2_model.h5",
        "hostile_base.h5",
    ]
    .iter()
    .enumerate()
    {
        let orig = std::fs::read(dir.join(name)).unwrap();
        let mut rng = XorShift(
            0x9E37_79B9_7F4A_7C15
                ^ (seed as u64 + 1 + (seed0 << 8)).wrapping_mul(0x2545_F491_4F6C_DD1D),
        );
        for it in 0..iters {
            let bytes = mutate(&orig, &mut rng);
            let keep = bytes.clone();
            let save = |why: &str| {
                let p = out.join(format!("kerust_hdf5_{why}_{name}_{it}.h5"));
                std::fs::write(&p, &keep).unwrap();
                p
            };
            match decode_with_deadline(bytes, Duration::from_secs(20)) {
                None => panic!(
                    "{name} iteration {it}: decoder hung or panicked; input saved to {}",
                    save("hang").display()
                ),
                Some(Ok(())) => total.0 += 1,
                Some(Err(e)) => {
                    let msg = e.to_string();
                    assert!(
                        !msg.contains("decoder panicked"),
                        "{name} iteration {it}: {msg}; input saved to {}",
                        save("panic").display()
                    );
                    total.1 += 1;
                }
            }
        }
    }
    println!(
        "{} mutants: {} decoded, {} typed errors, {:?}",
        total.0 + total.1,
        total.0,
        total.1,
        start.elapsed()
    );
}

#[test]
fn every_truncation_of_a_keras_file_is_handled() {
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras3.weights.h5");
    let orig = std::fs::read(p).unwrap();
    let mut errors = 0;
    // Every 7th cut keeps the run short while hitting every structure in the file.
    for cut in (0..orig.len()).step_by(7) {
        match File::from_bytes(orig[..cut].to_vec()) {
            Ok(_) => {}
            Err(e) => {
                assert!(
                    !e.to_string().contains("decoder panicked"),
                    "cut {cut}: {e}"
                );
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "truncated files must not all decode");
}

/// Inputs the mutation test once found crashing the decoder; each must now be a typed error.
#[test]
fn recorded_crash_inputs_are_typed_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crashes");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let err = File::open(&p)
            .map(|_| ())
            .expect_err("a recorded crash input decoded cleanly");
        let msg = err.to_string();
        assert!(
            matches!(err, Hdf5Error::Malformed { .. }),
            "{}: {msg}",
            p.display()
        );
        assert!(!msg.contains("decoder panicked"), "{}: {msg}", p.display());
        seen += 1;
    }
    assert!(seen > 0);
}

/// Replace every little-endian u64 `from` in `bytes` with `to`; returns how many were patched.
fn patch_u64(bytes: &mut [u8], from: u64, to: u64) -> usize {
    let (f, t) = (from.to_le_bytes(), to.to_le_bytes());
    let mut n = 0;
    for i in 0..bytes.len().saturating_sub(7) {
        if bytes[i..i + 8] == f {
            bytes[i..i + 8].copy_from_slice(&t);
            n += 1;
        }
    }
    n
}

/// A dataspace claiming 10^12 elements must be refused before anything that size is allocated.
/// hostile_base.h5 uses the old format (no checksums), so patched extents reach the decoder.
#[test]
fn huge_declared_shapes_are_errors_not_allocations() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile_base.h5");
    let orig = std::fs::read(p).unwrap();
    let base = File::from_bytes(orig.clone()).unwrap();
    let w = base.dataset("w").unwrap();
    assert_eq!(
        (w.len(), w.attr("a").map(|a| a.type_name())),
        (1234, Some("int array[1235]".into()))
    );
    for (what, extent) in [
        ("dataset w", 1234u64),
        ("int attribute a", 1235),
        ("string attribute s", 1236),
    ] {
        for huge in [100_000_000u64, 1_000_000_000_000, u64::MAX, 1 << 40] {
            let mut bytes = orig.clone();
            assert!(
                patch_u64(&mut bytes, extent, huge) > 0,
                "{what}: extent not found"
            );
            let t = Instant::now();
            let err = File::from_bytes(bytes).map(|_| ()).expect_err(what);
            let msg = err.to_string();
            assert!(
                matches!(
                    err,
                    Hdf5Error::TooLarge { .. } | Hdf5Error::Malformed { .. }
                ),
                "{what}: {msg}"
            );
            assert!(!msg.contains("decoder panicked"), "{what}: {msg}");
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "{what}: took {:?}",
                t.elapsed()
            );
            println!("{what} = {huge}: {msg}");
        }
    }
}

/// Many variable-length references to one global-heap object would decode into far more bytes
/// than the file holds; the guard must count every reference and refuse before decoding.
#[test]
fn shared_heap_references_cannot_amplify_attribute_strings() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras3_model.h5");
    let orig = std::fs::read(p).unwrap();
    let config_len = File::from_bytes(orig.clone())
        .unwrap()
        .attr_str("model_config")
        .unwrap()
        .len();
    // Find model_config's reference: (u32 length, u64 collection address, u32 index).
    let is_gcol = |addr: u64| orig.get(addr as usize..addr as usize + 4) == Some(&b"GCOL"[..]);
    let cfg_at = (0..orig.len() - 16)
        .find(|&i| {
            orig[i..i + 4] == (config_len as u32).to_le_bytes()
                && is_gcol(u64::from_le_bytes(orig[i + 4..i + 12].try_into().unwrap()))
        })
        .expect("model_config reference");
    let cfg_ref = orig[cfg_at..cfg_at + 16].to_vec();
    // Point the three layer_names references ("embedding", "lstm", "dense") at the config.
    let mut bytes = orig.clone();
    let mut patched = 0;
    for name in ["embedding", "lstm", "dense"] {
        let i = (0..orig.len() - 16)
            .find(|&i| {
                orig[i..i + 4] == (name.len() as u32).to_le_bytes()
                    && orig[i + 4..i + 12] == cfg_ref[4..12]
            })
            .expect(name);
        bytes[i..i + 16].copy_from_slice(&cfg_ref);
        patched += 1;
    }
    assert_eq!(patched, 3);
    let limits = Limits {
        max_total_bytes: 2 * config_len as u64,
        ..Limits::default()
    };
    File::from_bytes_named(orig, "orig.h5", limits).expect("unpatched file fits the limit");
    let err = File::from_bytes_named(bytes, "amplified.h5", limits).unwrap_err();
    assert!(matches!(err, Hdf5Error::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("variable-length"), "{err}");
}
