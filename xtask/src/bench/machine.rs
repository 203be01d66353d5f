//! What machine the numbers were taken on: CPU model, cores, SIMD features, clock, the theoretical
//! f32 peak (cores × SIMD lanes × FMA units × 2 × clock) and the measured large-`sgemm` FLOP/s.
use serde_json::{json, Value as Json};
use std::time::Instant;

/// The machine description that heads the report and the JSON.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub vendor: String,
    pub logical_cores: usize,
    pub simd: &'static str,
    /// f32 lanes per FMA instruction as executed (Zen 4 runs AVX-512 as two 256-bit halves).
    pub lanes: usize,
    pub fma_units: usize,
    pub clock_ghz: f64,
    pub clock_source: &'static str,
    pub peak_gflops: f64,
    pub sgemm_gflops: f64,
    pub sgemm_n: usize,
    pub mem_total_gb: f64,
    pub loadavg_start: String,
    pub kernel: String,
    /// The CPUs the bench pinned itself (and its workers) to.
    pub cpus_pinned: Vec<usize>,
}

/// `/proc/loadavg`'s 1, 5 and 15 minute averages.
pub fn loadavg() -> Option<[f64; 3]> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    let v: Vec<f64> = s
        .split_whitespace()
        .take(3)
        .filter_map(|x| x.parse().ok())
        .collect();
    Some([*v.first()?, *v.get(1)?, *v.get(2)?])
}

impl Machine {
    /// Detects the CPU and measures `sgemm` on `n³` (median of a few runs).
    pub fn detect(sgemm_n: usize) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |k: &str| {
            cpuinfo
                .lines()
                .find(|l| l.starts_with(k))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        };
        let cpu = field("model name").unwrap_or_else(|| "unknown".into());
        let vendor = field("vendor_id").unwrap_or_else(|| "unknown".into());
        let logical_cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (simd, mut lanes, fma_units) = simd_features();
        // AMD Zen 4 executes 512-bit FMAs on 256-bit pipes, so the lane count that sets the peak is 8.
        if vendor.contains("AMD") && simd == "avx512f+fma" {
            lanes = 8;
        }
        let (clock_ghz, clock_source) = clock_ghz(&cpu, &cpuinfo);
        let peak_gflops = logical_cores as f64 * lanes as f64 * fma_units as f64 * 2.0 * clock_ghz;
        let mem_total_gb = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
        let loadavg_start = std::fs::read_to_string("/proc/loadavg")
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        Machine {
            cpu,
            vendor,
            logical_cores,
            simd,
            lanes,
            fma_units,
            clock_ghz,
            clock_source,
            peak_gflops,
            sgemm_gflops: measure_sgemm_gflops(sgemm_n),
            sgemm_n,
            mem_total_gb,
            loadavg_start,
            kernel,
            cpus_pinned: Vec::new(),
        }
    }

    /// One line for the human report.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}), {} logical cores, {} ({} f32 lanes × {} FMA units), {:.2} GHz ({}), {:.1} GB RAM, \
             load at start {}\ntheoretical f32 peak {:.1} GFLOP/s; measured sgemm {}³ {:.1} GFLOP/s ({:.0} % of peak)",
            self.cpu,
            self.vendor,
            self.logical_cores,
            self.simd,
            self.lanes,
            self.fma_units,
            self.clock_ghz,
            self.clock_source,
            self.mem_total_gb,
            self.loadavg_start,
            self.peak_gflops,
            self.sgemm_n,
            self.sgemm_gflops,
            100.0 * self.sgemm_gflops / self.peak_gflops.max(1e-9)
        )
    }

    /// The `"machine"` object of the JSON report.
    pub fn to_json(&self) -> Json {
        json!({
            "cpu": self.cpu,
            "vendor": self.vendor,
            "logical_cores": self.logical_cores,
            "simd": self.simd,
            "f32_lanes": self.lanes,
            "fma_units": self.fma_units,
            "clock_ghz": self.clock_ghz,
            "clock_source": self.clock_source,
            "peak_gflops": self.peak_gflops,
            "sgemm_n": self.sgemm_n,
            "sgemm_gflops": self.sgemm_gflops,
            "mem_total_gb": self.mem_total_gb,
            "loadavg_start": self.loadavg_start,
            "cpus_pinned": self.cpus_pinned,
            "kernel": self.kernel,
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
        })
    }
}

/// Widest f32 FMA the CPU has: (name, f32 lanes, FMA units assumed per core).
fn simd_features() -> (&'static str, usize, usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
            return ("avx512f+fma", 16, 2);
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return ("avx2+fma", 8, 2);
        }
        if is_x86_feature_detected!("avx") {
            // No FMA: one add and one multiply port count as one "FMA unit" of two flops.
            return ("avx", 8, 1);
        }
        ("sse2", 4, 1)
    }
    #[cfg(target_arch = "aarch64")]
    {
        ("neon", 4, 2)
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        ("scalar", 1, 1)
    }
}

/// Nominal clock from the model name ("@ 2.20GHz"), else the highest `cpu MHz` line.
fn clock_ghz(model: &str, cpuinfo: &str) -> (f64, &'static str) {
    if let Some(pos) = model.find("GHz") {
        let head = model[..pos].trim_end();
        let num: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if let Ok(g) = num.parse::<f64>() {
            return (g, "model name");
        }
    }
    let max_mhz = cpuinfo
        .lines()
        .filter(|l| l.starts_with("cpu MHz"))
        .filter_map(|l| {
            l.split_once(':')
                .and_then(|(_, v)| v.trim().parse::<f64>().ok())
        })
        .fold(0.0f64, f64::max);
    if max_mhz > 0.0 {
        (max_mhz / 1000.0, "/proc/cpuinfo cpu MHz")
    } else {
        (1.0, "unknown (assumed 1 GHz)")
    }
}

/// Median GFLOP/s of `kerust_tensor::sgemm` on `n × n × n` (2n³ flops per call).
pub fn measure_sgemm_gflops(n: usize) -> f64 {
    let a: Vec<f32> = (0..n * n)
        .map(|i| ((i % 97) as f32 - 48.0) / 97.0)
        .collect();
    let b: Vec<f32> = (0..n * n)
        .map(|i| ((i % 89) as f32 - 44.0) / 89.0)
        .collect();
    let mut c = vec![0f32; n * n];
    let _ = kerust_tensor::sgemm(false, false, n, n, n, 1.0, &a, &b, 0.0, &mut c);
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 3 || (times.len() < 15 && start.elapsed().as_secs_f64() < 1.5) {
        let t = Instant::now();
        if kerust_tensor::sgemm(false, false, n, n, n, 1.0, &a, &b, 0.0, &mut c).is_err() {
            return 0.0;
        }
        times.push(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&c);
    2.0 * (n as f64).powi(3) / super::stats::median(&times) / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_from_model_name_or_cpuinfo() {
        assert_eq!(
            clock_ghz("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "").0,
            2.4
        );
        let (g, src) = clock_ghz("AMD EPYC", "cpu MHz\t\t: 2596.144\ncpu MHz : 3000.0\n");
        assert!((g - 3.0).abs() < 1e-9 && src.contains("MHz"));
        assert_eq!(clock_ghz("x", "").1, "unknown (assumed 1 GHz)");
    }

    #[test]
    fn sgemm_measurement_is_positive() {
        assert!(measure_sgemm_gflops(64) > 0.0);
    }
}
