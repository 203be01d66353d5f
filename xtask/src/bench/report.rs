//! Results of the suite: per-framework samples of a workload, the human table (with the issue #9
//! targets checked) and the JSON document `{"machine", "workloads", "scaling"}`.
use super::machine::Machine;
use super::peer::Framework;
use super::stats::{max_opt, median_opt};
use super::workloads::is_training;
use serde_json::{json, Value as Json};

/// One framework's repetitions of a workload.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub runs: Vec<f64>,
    pub rss_mb: Vec<f64>,
    /// CPU seconds (user + system, all threads) per repetition.
    pub cpu_s: Vec<f64>,
    /// Why there is no (or no complete) number: unavailable / failed.
    pub note: Option<String>,
}

impl Side {
    pub fn push(&mut self, seconds: f64, rss: Option<f64>, cpu: Option<f64>) {
        self.runs.push(seconds);
        if let Some(r) = rss {
            self.rss_mb.push(r);
        }
        if let Some(c) = cpu {
            self.cpu_s.push(c);
        }
    }
    /// Median CPU seconds.
    pub fn cpu_median(&self) -> Option<f64> {
        median_opt(&self.cpu_s)
    }
    /// Median seconds; `None` when it did not run (never a made-up number).
    pub fn median(&self) -> Option<f64> {
        median_opt(&self.runs)
    }
    /// Peak RSS over the repetitions.
    pub fn peak_rss(&self) -> Option<f64> {
        max_opt(&self.rss_mb)
    }
}

/// Everything measured for one workload.
#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub name: String,
    pub kerust: Side,
    pub frameworks: Vec<Framework>,
    pub peers: Vec<Side>,
}

impl WorkloadResult {
    pub fn new(name: &str, frameworks: impl Iterator<Item = Framework>) -> Self {
        let frameworks: Vec<Framework> = frameworks.collect();
        WorkloadResult {
            name: name.to_string(),
            kerust: Side::default(),
            peers: vec![Side::default(); frameworks.len()],
            frameworks,
        }
    }
    fn side(&self, fw: Framework) -> Option<&Side> {
        self.frameworks
            .iter()
            .position(|f| *f == fw)
            .map(|i| &self.peers[i])
    }
    /// peer median / kerust median (> 1: kerust is faster).
    pub fn ratio(&self, fw: Framework) -> Option<f64> {
        Some(self.side(fw)?.median()? / self.kerust.median()?)
    }
    /// The issue #9 target for this workload against `fw`, if it has one.
    pub fn target(&self, fw: Framework) -> Option<f64> {
        let n = self.name.as_str();
        match fw {
            Framework::Keras if is_training(n) => Some(5.0),
            Framework::Keras if n.contains("predict") || n.starts_with("tokenizer") => Some(20.0),
            Framework::Torch if is_training(n) => Some(3.0),
            Framework::Torch if n.contains("predict") => Some(1.0),
            _ => None,
        }
    }
    /// Whether every measured ratio with a target meets it (`None`: nothing to judge).
    pub fn targets_met(&self) -> Option<bool> {
        let checks: Vec<bool> = self
            .frameworks
            .iter()
            .filter_map(|&fw| Some(self.ratio(fw)? >= self.target(fw)?))
            .collect();
        (!checks.is_empty()).then(|| checks.iter().all(|&b| b))
    }
}

type Peers = [(Framework, String, Json)];

fn secs(v: Option<f64>) -> String {
    match v {
        Some(s) if s < 0.01 => format!("{:.3}ms", s * 1e3),
        Some(s) => format!("{s:.3}"),
        None => "n/a".into(),
    }
}

fn ratio(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |r| format!("{r:.2}×"))
}

fn mb(v: Option<f64>) -> String {
    v.map_or("-".into(), |r| format!("{r:.0}"))
}

/// Column titles.
pub fn header(peers: &Peers) -> String {
    let mut h = format!("{:<28} {:>10} {:>9}", "workload", "kerust s", "cpu s");
    for (fw, _, _) in peers {
        h += &format!(
            " {:>10} {:>9} {:>8}",
            format!("{} s", fw.label()),
            "cpu s",
            format!("×{}", fw.label())
        );
    }
    h += "  peak RSS MB (kerust";
    for (fw, _, _) in peers {
        h += &format!("/{}", fw.label());
    }
    h += ")  target";
    h
}

/// One table row plus a line per note.
pub fn row(r: &WorkloadResult, peers: &Peers) -> String {
    let mut s = format!(
        "{:<28} {:>10} {:>9}",
        r.name,
        secs(r.kerust.median()),
        secs(r.kerust.cpu_median())
    );
    for (fw, _, _) in peers {
        s += &format!(
            " {:>10} {:>9} {:>8}",
            secs(r.side(*fw).and_then(Side::median)),
            secs(r.side(*fw).and_then(Side::cpu_median)),
            ratio(r.ratio(*fw))
        );
    }
    let mut rss = mb(r.kerust.peak_rss());
    for (fw, _, _) in peers {
        rss += &format!(" / {}", mb(r.side(*fw).and_then(Side::peak_rss)));
    }
    s += &format!("  {rss:<24}");
    s += match r.targets_met() {
        Some(true) => "  met",
        Some(false) => "  MISSED",
        None => "  -",
    };
    if let Some(n) = &r.kerust.note {
        s += &format!("\n    kerust: {n}");
    }
    for (fw, _, _) in peers {
        if let Some(n) = r.side(*fw).and_then(|x| x.note.as_ref()) {
            s += &format!("\n    {}: {}", fw.label(), first_line(n));
        }
    }
    s
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The final table, repeated after the (noisy) per-workload progress output.
pub fn summary(results: &[WorkloadResult], peers: &Peers) -> String {
    let mut out = String::from("summary (median of repetitions; wall seconds, CPU seconds of all threads; ×peer = peer wall / kerust wall)\n");
    out += &header(peers);
    for r in results {
        out += "\n";
        out += &row(r, peers);
    }
    out
}

/// The JSON report: `{"machine": {...}, "workloads": [...], "scaling": {...}}`.
pub fn to_json(
    machine: &Machine,
    peers: &Peers,
    results: &[WorkloadResult],
    scaling: Json,
    reps: usize,
) -> Json {
    let mut m = machine.to_json();
    m["reps"] = json!(reps);
    for (fw, py, versions) in peers {
        m[fw.label()] = json!({"python": py, "versions": versions});
    }
    let workloads: Vec<Json> = results
        .iter()
        .map(|r| {
            let mut w = json!({
                "name": r.name,
                "kerust_s": r.kerust.median(),
                "kerust_rss_mb": r.kerust.peak_rss(),
                "kerust_runs_s": r.kerust.runs,
                "kerust_cpu_s": r.kerust.cpu_median(),
                "kerust_note": r.kerust.note,
            });
            for fw in [Framework::Keras, Framework::Torch] {
                let l = fw.label();
                let side = r.side(fw);
                w[format!("{l}_s")] = json!(side.and_then(Side::median));
                w[format!("ratio_{l}")] = json!(r.ratio(fw));
                w[format!("{l}_rss_mb")] = json!(side.and_then(Side::peak_rss));
                w[format!("{l}_runs_s")] = json!(side.map(|s| s.runs.clone()).unwrap_or_default());
                w[format!("{l}_cpu_s")] = json!(side.and_then(Side::cpu_median));
                w[format!("{l}_note")] = json!(match side {
                    Some(s) => s.note.clone(),
                    None => Some(format!("not run (no --{l} interpreter)")),
                });
            }
            w["targets_met"] = json!(r.targets_met());
            w
        })
        .collect();
    json!({"machine": m, "workloads": workloads, "scaling": scaling})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(k: &[f64], keras: &[f64]) -> WorkloadResult {
        let mut r = WorkloadResult::new("tweets_lstm64_5ep", [Framework::Keras].into_iter());
        for &s in k {
            r.kerust.push(s, Some(100.0), Some(s));
        }
        for &s in keras {
            r.peers[0].push(s, Some(900.0), None);
        }
        r
    }

    #[test]
    fn ratios_targets_and_json_shape() {
        let r = result(&[1.0, 3.0, 2.0], &[20.0, 30.0, 10.0]);
        assert_eq!(r.ratio(Framework::Keras), Some(10.0));
        assert_eq!(r.ratio(Framework::Torch), None);
        assert_eq!(r.targets_met(), Some(true));
        let slow = result(&[10.0], &[20.0]);
        assert_eq!(slow.targets_met(), Some(false));
        let missing = result(&[], &[20.0]);
        assert_eq!(missing.ratio(Framework::Keras), None);
        assert_eq!(missing.targets_met(), None);

        let m = Machine::detect(32);
        let peers = vec![(Framework::Keras, "python".to_string(), json!({}))];
        let doc = to_json(&m, &peers, &[r, missing], Json::Null, 3);
        let w = &doc["workloads"][0];
        assert_eq!(w["name"], "tweets_lstm64_5ep");
        assert_eq!(w["kerust_s"], 2.0);
        assert_eq!(w["keras_s"], 20.0);
        assert_eq!(w["ratio_keras"], 10.0);
        assert_eq!(w["kerust_rss_mb"], 100.0);
        assert_eq!(w["torch_s"], Json::Null);
        assert_eq!(w["kerust_cpu_s"], 2.0);
        assert_eq!(doc["workloads"][1]["kerust_s"], Json::Null);
        assert!(doc["machine"]["sgemm_gflops"].as_f64().unwrap() > 0.0);
        let text = summary(&[result(&[1.0], &[2.0])], &peers);
        assert!(
            text.contains("tweets_lstm64_5ep") && text.contains("2.00×"),
            "{text}"
        );
    }
}
