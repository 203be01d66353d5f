//! Peak resident memory of this process, per workload: reset the high-water mark through
//! `/proc/self/clear_refs` (Linux ≥ 4.0) before a run and read `VmHWM` after it; and CPU time.

/// Resets the peak-RSS mark to the current RSS. Returns false where the kernel does not allow it
/// (then `peak_mb` reports the process-lifetime peak, which is an upper bound).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size (`VmHWM`) in MiB, if `/proc` is there.
pub fn peak_mb() -> Option<f64> {
    status_kb("VmHWM:").map(|kb| kb as f64 / 1024.0)
}

/// CPU seconds (user + system, all threads) this process has used, from `/proc/self/stat`
/// (USER_HZ = 100 ticks per second on Linux). On a shared machine this is steadier than wall time.
pub fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

fn status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_grows_with_a_touched_allocation() {
        if peak_mb().is_none() {
            eprintln!("skip: no /proc/self/status on this system");
            return;
        }
        reset_peak();
        let before = peak_mb().unwrap();
        let v = vec![1u8; 64 << 20];
        std::hint::black_box(&v);
        let after = peak_mb().unwrap();
        assert!(after >= before + 60.0, "before {before} after {after}");
        let c0 = cpu_seconds().unwrap();
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed().as_millis() < 300 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        assert!(cpu_seconds().unwrap() - c0 >= 0.05);
    }
}
