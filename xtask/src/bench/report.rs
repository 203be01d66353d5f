//! Results of the suite: per-framework, per-configuration samples of a workload, the human table
//! (with the issue #9 targets checked against each peer's fastest configuration) and the JSON
//! document `{"machine", "workloads", "scaling"}`.
use super::machine::Machine;
use super::peer::Framework;
use super::stats::{max_opt, median_opt, min_opt};
use super::workloads::{is_training, Measured};
use serde_json::{json, Value as Json};

/// Load average (1 min) above which a row is marked as measured under load.
pub const LOAD_LIMIT: f64 = 0.5;

/// One configuration's repetitions (index i = round i).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub name: String,
    /// Steady-state seconds per round.
    pub runs: Vec<f64>,
    /// Cold seconds per round (a fresh model's whole fit / first predict call).
    pub cold: Vec<f64>,
    pub rss_mb: Vec<f64>,
    /// CPU seconds (user + system, all threads) per repetition (cold and steady epochs both).
    pub cpu_s: Vec<f64>,
    pub final_loss: Vec<f64>,
    /// The output fingerprints of the last repetition (text workloads).
    pub check: Option<Json>,
    /// Why it has no (or no complete) number: unavailable / failed / skipped.
    pub note: Option<String>,
}

impl Config {
    pub fn new(name: &str) -> Self {
        Config {
            name: name.to_string(),
            ..Config::default()
        }
    }
    pub fn push(&mut self, m: &Measured, rss: Option<f64>, cpu: Option<f64>) {
        self.runs.push(m.seconds);
        self.cold.push(m.cold_s);
        self.rss_mb.extend(rss);
        self.cpu_s.extend(cpu);
        self.final_loss.extend(m.final_loss);
        if m.check.is_some() {
            self.check = m.check.clone();
        }
    }
    pub fn median(&self) -> Option<f64> {
        median_opt(&self.runs)
    }
    pub fn cold_median(&self) -> Option<f64> {
        median_opt(&self.cold)
    }
    /// Usable for the comparison: measured in every round asked, without a failure.
    fn complete(&self, reps: usize) -> bool {
        self.note.is_none() && self.runs.len() >= reps.max(1)
    }
    fn to_json(&self) -> Json {
        json!({
            "median_s": self.median(),
            "min_s": min_opt(&self.runs),
            "max_s": max_opt(&self.runs),
            "runs_s": self.runs,
            "cold_s": self.cold_median(),
            "cold_runs_s": self.cold,
            "cpu_s": median_opt(&self.cpu_s),
            "rss_mb": max_opt(&self.rss_mb),
            "final_loss": self.final_loss.last(),
            "check": self.check,
            "note": self.note,
        })
    }
}

/// One framework's configurations of a workload.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub configs: Vec<Config>,
    /// Why the whole side has no number (unavailable, failed to start).
    pub note: Option<String>,
    /// Thread settings and CPU affinity (per side).
    pub threads: Json,
    /// Repetitions asked.
    pub reps: usize,
}

impl Side {
    pub fn config_mut(&mut self, name: &str) -> &mut Config {
        if let Some(i) = self.configs.iter().position(|c| c.name == name) {
            return &mut self.configs[i];
        }
        self.configs.push(Config::new(name));
        self.configs.last_mut().expect("just pushed")
    }
    /// The fastest complete configuration by median steady time.
    pub fn best(&self) -> Option<&Config> {
        self.configs
            .iter()
            .filter(|c| c.complete(self.reps))
            .min_by(|a, b| {
                let (x, y) = (
                    a.median().unwrap_or(f64::MAX),
                    b.median().unwrap_or(f64::MAX),
                );
                x.total_cmp(&y)
            })
    }
    /// Median steady seconds of the fastest configuration; `None` when nothing ran completely.
    pub fn median(&self) -> Option<f64> {
        self.best()?.median()
    }
    /// The fastest median cold time over complete configurations, and which.
    pub fn cold(&self) -> Option<(f64, &str)> {
        self.configs
            .iter()
            .filter(|c| c.complete(self.reps))
            .filter_map(|c| Some((c.cold_median()?, c.name.as_str())))
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }
    pub fn cpu_median(&self) -> Option<f64> {
        median_opt(&self.best()?.cpu_s)
    }
    pub fn peak_rss(&self) -> Option<f64> {
        self.configs
            .iter()
            .filter_map(|c| max_opt(&c.rss_mb))
            .reduce(f64::max)
    }
    pub fn final_loss(&self) -> Option<f64> {
        self.best()?.final_loss.last().copied()
    }
}

/// Median and spread of per-round ratios.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// Everything measured for one workload.
#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub name: String,
    pub kerust: Side,
    pub frameworks: Vec<Framework>,
    pub peers: Vec<Side>,
    /// `/proc/loadavg` (1, 5, 15 min) before and after the workload.
    pub load_before: Option<[f64; 3]>,
    pub load_after: Option<[f64; 3]>,
}

impl WorkloadResult {
    pub fn new(name: &str, frameworks: impl Iterator<Item = Framework>, reps: usize) -> Self {
        let frameworks: Vec<Framework> = frameworks.collect();
        let side = Side {
            reps,
            ..Side::default()
        };
        WorkloadResult {
            name: name.to_string(),
            kerust: side.clone(),
            peers: vec![side; frameworks.len()],
            frameworks,
            load_before: None,
            load_after: None,
        }
    }
    pub fn side(&self, fw: Framework) -> Option<&Side> {
        self.frameworks
            .iter()
            .position(|f| *f == fw)
            .map(|i| &self.peers[i])
    }
    /// Per-round wall ratios peer (fastest configuration) / kerust (> 1: kerust is faster).
    pub fn ratio(&self, fw: Framework) -> Option<Ratio> {
        let peer = self.side(fw)?.best()?;
        let k = self.kerust.best()?;
        let per_round: Vec<f64> = peer.runs.iter().zip(&k.runs).map(|(p, k)| p / k).collect();
        Some(Ratio {
            median: median_opt(&per_round)?,
            min: min_opt(&per_round)?,
            max: max_opt(&per_round)?,
        })
    }
    /// Cold ratio: the peer's fastest cold median / kerust's.
    pub fn ratio_cold(&self, fw: Framework) -> Option<f64> {
        Some(self.side(fw)?.cold()?.0 / self.kerust.cold()?.0)
    }
    /// CPU-second ratio (fastest configuration).
    pub fn ratio_cpu(&self, fw: Framework) -> Option<f64> {
        Some(self.side(fw)?.cpu_median()? / self.kerust.cpu_median()?)
    }
    /// Whether the load average exceeded `LOAD_LIMIT` before or after the workload.
    pub fn loaded(&self) -> bool {
        [self.load_before, self.load_after]
            .iter()
            .flatten()
            .any(|l| l[0] > LOAD_LIMIT)
    }
    /// Text workloads: kerust's output fingerprints equal Keras's (`None`: nothing to compare).
    pub fn outputs_match(&self) -> Option<bool> {
        let k = self.kerust.best()?.check.as_ref()?;
        let p = self.side(Framework::Keras)?.best()?.check.as_ref()?;
        Some(k == p)
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
            .filter_map(|&fw| Some(self.ratio(fw)?.median >= self.target(fw)?))
            .collect();
        (!checks.is_empty()).then(|| checks.iter().all(|&b| b))
    }
}

type Peers = [(Framework, String, Json)];

pub fn secs(v: Option<f64>) -> String {
    match v {
        Some(s) if s < 0.01 => format!("{:.3}ms", s * 1e3),
        Some(s) => format!("{s:.3}"),
        None => "n/a".into(),
    }
}

pub fn ratio_text(r: Option<Ratio>) -> String {
    r.map_or("n/a".into(), |r| {
        format!("{:.2}× ({:.2}–{:.2})", r.median, r.min, r.max)
    })
}

fn mb(v: Option<f64>) -> String {
    v.map_or("-".into(), |r| format!("{r:.0}"))
}

/// Column titles.
pub fn header(peers: &Peers) -> String {
    let mut h = format!(
        "{:<28} {:>10} {:>10} {:>8}",
        "workload", "kerust s", "cold s", "cpu s"
    );
    for (fw, _, _) in peers {
        let l = fw.label();
        h += &format!(
            " | {:>10} {:>10} {:>8} {:>22} {:>7}",
            format!("{l} s"),
            "cold s",
            "cpu s",
            format!("×{l} wall (min–max)"),
            "×cpu"
        );
    }
    h += "  RSS MB  target  load";
    h
}

/// One table row plus a line per note.
pub fn row(r: &WorkloadResult, peers: &Peers) -> String {
    let k = &r.kerust;
    let mut s = format!(
        "{:<28} {:>10} {:>10} {:>8}",
        r.name,
        secs(k.median()),
        secs(k.cold().map(|c| c.0)),
        secs(k.cpu_median())
    );
    for (fw, _, _) in peers {
        let side = r.side(*fw);
        s += &format!(
            " | {:>10} {:>10} {:>8} {:>22} {:>7}",
            secs(side.and_then(Side::median)),
            secs(side.and_then(Side::cold).map(|c| c.0)),
            secs(side.and_then(Side::cpu_median)),
            ratio_text(r.ratio(*fw)),
            r.ratio_cpu(*fw)
                .map_or("n/a".into(), |x| format!("{x:.2}×"))
        );
    }
    let mut rss = mb(k.peak_rss());
    for (fw, _, _) in peers {
        rss += &format!("/{}", mb(r.side(*fw).and_then(Side::peak_rss)));
    }
    s += &format!("  {rss}");
    s += match r.targets_met() {
        Some(true) => "  met",
        Some(false) => "  MISSED",
        None => "  -",
    };
    if r.loaded() {
        s += "  LOADED";
    }
    if let Some(n) = &k.note {
        s += &format!("\n    kerust: {n}");
    }
    for c in &k.configs {
        if let Some(n) = &c.note {
            s += &format!("\n    kerust: {}", first_line(n));
        }
    }
    for (fw, _, _) in peers {
        let Some(side) = r.side(*fw) else { continue };
        if let Some(n) = &side.note {
            s += &format!("\n    {}: {}", fw.label(), first_line(n));
        }
        let best = side.best().map(|c| c.name.as_str());
        let configs: Vec<String> = side
            .configs
            .iter()
            .map(|c| match &c.note {
                Some(n) => format!("{} {}", c.name, first_line(n)),
                None => format!(
                    "{}{} {}",
                    c.name,
                    if Some(c.name.as_str()) == best {
                        "*"
                    } else {
                        ""
                    },
                    secs(c.median())
                ),
            })
            .collect();
        if !configs.is_empty() {
            s += &format!("\n    {} configs: {}", fw.label(), configs.join(", "));
        }
    }
    let losses: Vec<String> = std::iter::once(("kerust", k.final_loss()))
        .chain(
            peers
                .iter()
                .map(|(fw, _, _)| (fw.label(), r.side(*fw).and_then(Side::final_loss))),
        )
        .filter_map(|(l, v)| Some(format!("{l} {:.4}", v?)))
        .collect();
    if !losses.is_empty() {
        s += &format!("\n    final loss: {}", losses.join(", "));
    }
    if let Some(m) = r.outputs_match() {
        s += &format!(
            "\n    outputs (sequences + vocabulary sha256) equal to Keras's: {}",
            if m { "yes" } else { "NO" }
        );
    }
    s
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The final table, repeated after the (noisy) per-workload progress output.
pub fn summary(results: &[WorkloadResult], peers: &Peers) -> String {
    let mut out = String::from(
        "summary (steady-state median of repetitions, each peer at its fastest configuration (*); \
         wall seconds, CPU seconds of all threads; ×peer = median of per-round peer/kerust wall \
         ratios with their min–max; LOADED = load average > 0.5 before or after)\n",
    );
    out += &header(peers);
    for r in results {
        out += "\n";
        out += &row(r, peers);
    }
    out
}

fn side_json(side: &Side) -> Json {
    let configs: serde_json::Map<String, Json> = side
        .configs
        .iter()
        .map(|c| (c.name.clone(), c.to_json()))
        .collect();
    Json::Object(configs)
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
            let k = &r.kerust;
            let kb = k.best();
            let mut w = json!({
                "name": r.name,
                "kerust_s": k.median(),
                "kerust_min_s": kb.and_then(|c| min_opt(&c.runs)),
                "kerust_max_s": kb.and_then(|c| max_opt(&c.runs)),
                "kerust_cold_s": k.cold().map(|c| c.0),
                "kerust_rss_mb": k.peak_rss(),
                "kerust_runs_s": kb.map(|c| c.runs.clone()).unwrap_or_default(),
                "kerust_cold_runs_s": kb.map(|c| c.cold.clone()).unwrap_or_default(),
                "kerust_cpu_s": k.cpu_median(),
                "kerust_final_loss": k.final_loss(),
                "kerust_threads": k.threads,
                "kerust_note": k.note.clone().or_else(|| k.configs.iter().find_map(|c| c.note.clone())),
                "load_before": r.load_before,
                "load_after": r.load_after,
                "loaded": r.loaded(),
                "outputs_match_keras": r.outputs_match(),
            });
            let mut peer_configs = serde_json::Map::new();
            for fw in [Framework::Keras, Framework::Torch] {
                let l = fw.label();
                let side = r.side(fw);
                let best = side.and_then(Side::best);
                w[format!("{l}_s")] = json!(side.and_then(Side::median));
                w[format!("{l}_config")] = json!(best.map(|c| c.name.clone()));
                w[format!("{l}_min_s")] = json!(best.and_then(|c| min_opt(&c.runs)));
                w[format!("{l}_max_s")] = json!(best.and_then(|c| max_opt(&c.runs)));
                w[format!("{l}_cold_s")] = json!(side.and_then(Side::cold).map(|c| c.0));
                w[format!("{l}_cold_config")] =
                    json!(side.and_then(Side::cold).map(|c| c.1.to_string()));
                let ratio = r.ratio(fw);
                w[format!("ratio_{l}")] = json!(ratio.map(|x| x.median));
                w[format!("ratio_{l}_min")] = json!(ratio.map(|x| x.min));
                w[format!("ratio_{l}_max")] = json!(ratio.map(|x| x.max));
                w[format!("ratio_{l}_cold")] = json!(r.ratio_cold(fw));
                w[format!("ratio_{l}_cpu")] = json!(r.ratio_cpu(fw));
                w[format!("{l}_rss_mb")] = json!(side.and_then(Side::peak_rss));
                w[format!("{l}_runs_s")] = json!(best.map(|c| c.runs.clone()).unwrap_or_default());
                w[format!("{l}_cpu_s")] = json!(side.and_then(Side::cpu_median));
                w[format!("{l}_final_loss")] = json!(side.and_then(Side::final_loss));
                w[format!("{l}_threads")] = side.map_or(Json::Null, |s| s.threads.clone());
                w[format!("{l}_note")] = json!(match side {
                    Some(s) => s.note.clone(),
                    None => Some(format!("not run (no --{l} interpreter)")),
                });
                if let Some(s) = side {
                    peer_configs.insert(l.to_string(), side_json(s));
                }
            }
            w["peer_configs"] = Json::Object(peer_configs);
            w["targets_met"] = json!(r.targets_met());
            w
        })
        .collect();
    json!({"machine": m, "workloads": workloads, "scaling": scaling})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(s: f64) -> Measured {
        Measured {
            seconds: s,
            cold_s: 2.0 * s,
            final_loss: Some(0.5),
            check: None,
        }
    }

    fn result(k: &[f64], keras: &[(&str, &[f64])]) -> WorkloadResult {
        let reps = k.len().max(1);
        let mut r = WorkloadResult::new("tweets_lstm64_5ep", [Framework::Keras].into_iter(), reps);
        for &s in k {
            r.kerust
                .config_mut("default")
                .push(&measured(s), Some(100.0), Some(s));
        }
        for (name, runs) in keras {
            for &s in *runs {
                r.peers[0]
                    .config_mut(name)
                    .push(&measured(s), Some(900.0), Some(s / 2.0));
            }
        }
        r
    }

    #[test]
    fn fastest_config_per_round_ratios_targets_and_json_shape() {
        let r = result(
            &[1.0, 3.0, 2.0],
            &[
                ("default", &[40.0, 60.0, 50.0]),
                ("jit", &[20.0, 30.0, 10.0]),
            ],
        );
        // jit is the fastest configuration (median 20); per-round ratios 20, 10, 5.
        assert_eq!(
            r.side(Framework::Keras).unwrap().best().unwrap().name,
            "jit"
        );
        let ratio = r.ratio(Framework::Keras).unwrap();
        assert_eq!((ratio.median, ratio.min, ratio.max), (10.0, 5.0, 20.0));
        assert_eq!(r.ratio_cpu(Framework::Keras), Some(5.0));
        assert_eq!(r.ratio_cold(Framework::Keras), Some(10.0));
        assert_eq!(r.ratio(Framework::Torch), None);
        assert_eq!(r.targets_met(), Some(true));
        let slow = result(&[10.0], &[("default", &[20.0])]);
        assert_eq!(slow.targets_met(), Some(false));
        // A configuration that failed in a round does not count as the fastest.
        let mut partial = result(&[1.0, 1.0], &[("default", &[4.0, 4.0]), ("jit", &[0.5])]);
        partial.peers[0].config_mut("jit").note = Some("failed: XLA".into());
        assert_eq!(
            partial.side(Framework::Keras).unwrap().best().unwrap().name,
            "default"
        );
        let missing = result(&[], &[("default", &[20.0])]);
        assert_eq!(missing.ratio(Framework::Keras), None);
        assert_eq!(missing.targets_met(), None);

        let m = Machine::detect(32);
        let peers = vec![(Framework::Keras, "python".to_string(), json!({}))];
        let mut loaded = result(&[1.0], &[("default", &[2.0])]);
        loaded.load_before = Some([0.2, 0.1, 0.1]);
        loaded.load_after = Some([0.7, 0.3, 0.1]);
        assert!(loaded.loaded());
        let doc = to_json(&m, &peers, &[r, missing, loaded], Json::Null, 3);
        let w = &doc["workloads"][0];
        assert_eq!(w["name"], "tweets_lstm64_5ep");
        assert_eq!(w["kerust_s"], 2.0);
        assert_eq!(w["kerust_cold_s"], 4.0);
        assert_eq!(w["keras_s"], 20.0);
        assert_eq!(w["keras_config"], "jit");
        assert_eq!(w["ratio_keras"], 10.0);
        assert_eq!(w["ratio_keras_min"], 5.0);
        assert_eq!(w["ratio_keras_cpu"], 5.0);
        assert_eq!(w["peer_configs"]["keras"]["default"]["median_s"], 50.0);
        assert_eq!(
            w["peer_configs"]["keras"]["jit"]["runs_s"],
            json!([20.0, 30.0, 10.0])
        );
        assert_eq!(w["kerust_final_loss"], 0.5);
        assert_eq!(w["torch_s"], Json::Null);
        assert_eq!(w["loaded"], false);
        assert_eq!(doc["workloads"][1]["kerust_s"], Json::Null);
        assert_eq!(doc["workloads"][2]["loaded"], true);
        assert!(doc["machine"]["sgemm_gflops"].as_f64().unwrap() > 0.0);
        let text = summary(&[result(&[1.0], &[("default", &[2.0])])], &peers);
        assert!(
            text.contains("tweets_lstm64_5ep") && text.contains("2.00×"),
            "{text}"
        );
    }

    #[test]
    fn text_outputs_are_compared_with_keras() {
        let mut r = result(&[1.0], &[("default", &[2.0])]);
        assert_eq!(r.outputs_match(), None);
        r.kerust.configs[0].check = Some(json!({"sequences_sha256": "a"}));
        r.peers[0].configs[0].check = Some(json!({"sequences_sha256": "a"}));
        assert_eq!(r.outputs_match(), Some(true));
        r.peers[0].configs[0].check = Some(json!({"sequences_sha256": "b"}));
        assert_eq!(r.outputs_match(), Some(false));
    }
}
