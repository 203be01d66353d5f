//! Crash consistency: a process saving a model is stopped at every step of the save (fault
//! injection through `KERUST_IO_CRASH_AT`) and killed with SIGKILL at random moments; afterwards
//! the path still loads, with the old or the new weights, and the next save leaves no temp file.
//!
//! The child is this test binary itself, re-run on the ignored `child_saver` test with
//! `KERUST_CRASH_CHILD` naming what to do. `KERUST_CRASH_KILLS` raises the random kills per
//! format (default 6; the CI reliability job runs 100).
use kerust_io::{load_model, save_model, ModelCheckpoint};
use kerust_layers::{Adam, Dense, FitArgs, Sequential};
use kerust_tensor::Tensor;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A 4 → 3 dense model whose every weight is `v`, so its predictions tell which save it came from.
fn model(v: f32) -> Sequential {
    let mut m = Sequential::new();
    m.add(Dense::new(3).input_shape(&[4])).unwrap();
    let ws: Vec<Tensor> = m
        .get_weights()
        .iter()
        .map(|w| Tensor::full(w.shape(), v).unwrap())
        .collect();
    m.set_weights(&ws).unwrap();
    m
}

fn x() -> Tensor {
    Tensor::from_vec(vec![1.0; 8], &[2, 4]).unwrap()
}

/// The constant `v` the model at `path` was saved with (every output is 5·v: 4 inputs + bias).
fn saved_value(path: &Path) -> f32 {
    let mut m = load_model(path).unwrap_or_else(|e| panic!("{} must load: {e}", path.display()));
    let y = m.predict(x()).unwrap().to_vec().unwrap();
    assert!(y.iter().all(|&v| v == y[0]), "{y:?}");
    y[0] / 5.0
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kerust_crash_{tag}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn child(mode: &str, path: &Path, crash_at: Option<&str>) -> Command {
    child_with(mode, path, crash_at, true)
}

fn child_with(mode: &str, path: &Path, crash_at: Option<&str>, exchange: bool) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "child_saver",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("KERUST_CRASH_CHILD", format!("{mode}:{}", path.display()))
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    match crash_at {
        Some(s) => c.env("KERUST_IO_CRASH_AT", s),
        None => c.env_remove("KERUST_IO_CRASH_AT"),
    };
    if !exchange {
        c.env("KERUST_IO_NO_EXCHANGE", "1");
    }
    c
}

/// The child's work: `once:PATH` saves model(2) once; `loop:PATH` saves model(1) and model(2)
/// alternately forever; `ckpt:PATH` trains with a ModelCheckpoint at PATH forever.
#[test]
#[ignore = "run by the crash tests as a child process"]
fn child_saver() {
    let Ok(spec) = std::env::var("KERUST_CRASH_CHILD") else {
        return;
    };
    let (mode, path) = spec.split_once(':').unwrap();
    match mode {
        "once" => save_model(&model(2.0), path).unwrap(),
        "loop" => {
            let (a, b) = (model(1.0), model(2.0));
            loop {
                save_model(&a, path).unwrap();
                save_model(&b, path).unwrap();
            }
        }
        "ckpt" => {
            let mut m = model(1.0);
            m.compile(Adam::new(), "mse", &[]).unwrap();
            let y = Tensor::zeros(&[2, 3]).unwrap();
            let ck = Rc::new(RefCell::new(ModelCheckpoint::new(path)));
            m.fit(
                x(),
                &y,
                FitArgs::new().epochs(1_000_000).verbose(0).callback(ck),
            )
            .unwrap();
        }
        "fsize" => {
            // SAFETY: plain libc calls on this single-threaded child; the struct is fully set.
            unsafe {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let mut lim = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut lim), 0);
                lim.rlim_cur = 200;
                assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
            }
            let e = save_model(&model(2.0), path).unwrap_err();
            assert!(matches!(e, kerust_io::IoError::Io { .. }), "{e}");
            println!("{e}");
        }
        m => panic!("unknown child mode {m}"),
    }
}

const FORMATS: &[&str] = &["m.h5", "m.keras", "m_native"];

#[test]
fn a_save_stopped_at_any_step_leaves_a_loadable_model() {
    for name in FORMATS {
        for step in kerust_io::atomic::CRASH_STEPS {
            let dir = scratch(&format!("step_{}", step.replace(':', "_")));
            let path = dir.join(name);
            save_model(&model(1.0), &path).unwrap();
            let status = child("once", &path, Some(step)).status().unwrap();
            let dir_save = !name.contains('.');
            let reached = step.starts_with(if dir_save { "dir:" } else { "file:" })
                && *step != "dir:moved-aside";
            if reached {
                assert!(!status.success(), "{name}: the child should stop at {step}");
            }
            let v = saved_value(&path);
            let after_commit = matches!(*step, "file:renamed" | "dir:swapped") || !reached;
            let want = if after_commit { 2.0 } else { 1.0 };
            assert_eq!(v, want, "{name} stopped at {step}");
            // The next save cleans what the stopped writer left.
            save_model(&model(3.0), &path).unwrap();
            assert_eq!(saved_value(&path), 3.0);
            assert_eq!(temps(&dir), Vec::<String>::new(), "{name} after {step}");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}

#[test]
fn without_rename_exchange_a_directory_save_stopped_between_renames_still_loads() {
    for step in ["dir:filled", "dir:moved-aside"] {
        let dir = scratch(&format!("noexch_{}", step.replace(':', "_")));
        let path = dir.join("m_native");
        save_model(&model(1.0), &path).unwrap();
        let status = child_with("once", &path, Some(step), false)
            .status()
            .unwrap();
        assert!(!status.success(), "the child should stop at {step}");
        if step == "dir:moved-aside" {
            assert!(!path.exists(), "the fallback moved the old save aside");
        }
        assert_eq!(saved_value(&path), 1.0, "{step}");
        // The next save puts the previous one back first, then replaces it.
        save_model(&model(3.0), &path).unwrap();
        assert_eq!(saved_value(&path), 3.0);
        assert_eq!(temps(&dir), Vec::<String>::new(), "{step}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

fn kills() -> usize {
    std::env::var("KERUST_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

/// xorshift delays: deterministic, spread over a few save durations.
fn delays(seed: u64, n: usize) -> Vec<Duration> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            Duration::from_micros(s % 30_000)
        })
        .collect()
}

fn kill_at_random(mode: &str, name: &str, check: impl Fn(&Path)) {
    let dir = scratch(&format!("kill_{mode}_{}", name.replace('.', "_")));
    let path = dir.join(name);
    save_model(&model(1.0), &path).unwrap();
    for (i, d) in delays(0x5EED ^ name.len() as u64, kills())
        .into_iter()
        .enumerate()
    {
        let mut c = child(mode, &path, None).spawn().unwrap();
        // Let the child get past its start-up, then kill it at a random moment of its saves.
        let start = Instant::now();
        let first = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        while start.elapsed() < Duration::from_secs(20)
            && std::fs::metadata(&path).and_then(|m| m.modified()).ok() == first
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(d);
        c.kill().unwrap();
        c.wait().unwrap();
        check(&path);
        if i % 2 == 1 {
            save_model(&model(1.0), &path).unwrap();
            assert_eq!(temps(&dir), Vec::<String>::new(), "{name} after kill {i}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_model_killed_at_random_moments_leaves_the_old_or_new_model() {
    for name in FORMATS {
        kill_at_random("loop", name, |p| {
            let v = saved_value(p);
            assert!(
                v == 1.0 || v == 2.0,
                "{name}: loaded a model of neither save: {v}"
            );
        });
    }
}

#[test]
fn model_checkpoint_killed_at_random_moments_leaves_a_loadable_model() {
    for name in ["ck.keras", "ck.h5"] {
        kill_at_random("ckpt", name, |p| {
            let mut m = load_model(p).unwrap();
            let y = m.predict(x()).unwrap().to_vec().unwrap();
            assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
        });
    }
}

#[test]
fn a_full_disk_gives_an_error_and_keeps_the_old_file() {
    for name in FORMATS {
        let dir = scratch(&format!("full_{}", name.replace('.', "_")));
        let path = dir.join(name);
        save_model(&model(1.0), &path).unwrap();
        // The child saves under RLIMIT_FSIZE (a size-limited file system for one process).
        let ok = child("fsize", &path, None).status().unwrap();
        assert!(
            ok.success(),
            "{name}: the child's save should fail with a typed error"
        );
        assert_eq!(saved_value(&path), 1.0, "{name}");
        save_model(&model(3.0), &path).unwrap();
        assert_eq!(temps(&dir), Vec::<String>::new(), "{name}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A character device that is full (ENOSPC) behind a symlink with a model's name.
    if Path::new("/dev/full").exists() {
        let dir = scratch("devfull");
        let link = dir.join("m.h5");
        std::os::unix::fs::symlink("/dev/full", &link).unwrap();
        let e = save_model(&model(1.0), &link).unwrap_err();
        assert!(matches!(e, kerust_io::IoError::Io { .. }), "{e}");
        assert!(e.to_string().contains("/dev/full"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
