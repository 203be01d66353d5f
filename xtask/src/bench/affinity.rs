//! CPU pinning: the bench pins itself with `sched_setaffinity` before it measures anything, so
//! kerust's threads and every Python worker it spawns (the mask is inherited across fork/exec)
//! run on the same cores.

/// Parses `0,1`, `0-3` or `0-1,4` into CPU numbers.
pub fn parse_list(list: &str) -> Result<Vec<usize>, String> {
    let bad = || format!("--cpus '{list}': expected CPU numbers like 0,1 or 0-3");
    let mut cpus = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (
                    a.trim().parse().map_err(|_| bad())?,
                    b.trim().parse().map_err(|_| bad())?,
                );
                if a > b {
                    return Err(bad());
                }
                cpus.extend(a..=b);
            }
            None => cpus.push(part.parse().map_err(|_| bad())?),
        }
    }
    if cpus.is_empty() {
        return Err(bad());
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// The CPUs this process may run on, or `None` where the call is not available.
pub fn current() -> Option<Vec<usize>> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: cpu_set_t is plain data; zeroed is the empty set, and the kernel writes at most
        // size_of::<cpu_set_t>() bytes into it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
                return None;
            }
            Some(
                (0..libc::CPU_SETSIZE as usize)
                    .filter(|&c| libc::CPU_ISSET(c, &set))
                    .collect(),
            )
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Pins this process (and the threads and processes it starts from now on) to `cpus`.
pub fn pin(cpus: &[usize]) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        if let Some(&c) = cpus.iter().find(|&&c| c >= libc::CPU_SETSIZE as usize) {
            return Err(format!("CPU {c} is beyond CPU_SETSIZE"));
        }
        // SAFETY: as in `current`; CPU_SET writes inside the set for c < CPU_SETSIZE (checked).
        let rc = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for &c in cpus {
                libc::CPU_SET(c, &mut set);
            }
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        if rc != 0 {
            return Err(format!(
                "sched_setaffinity({cpus:?}) failed: {}; pick CPUs from {:?}",
                std::io::Error::last_os_error(),
                current().unwrap_or_default()
            ));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpus;
        Err("CPU pinning needs Linux's sched_setaffinity".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_bad_ones_say_why() {
        assert_eq!(parse_list("0,1").unwrap(), vec![0, 1]);
        assert_eq!(parse_list("0-3").unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(parse_list("4, 0-1,1").unwrap(), vec![0, 1, 4]);
        for bad in ["", "a", "3-1", "1-"] {
            assert!(parse_list(bad).unwrap_err().contains("--cpus"), "{bad}");
        }
    }

    #[test]
    fn pinning_to_the_current_set_keeps_it() {
        let Some(now) = current() else { return };
        pin(&now).unwrap();
        assert_eq!(current().unwrap(), now);
    }
}
