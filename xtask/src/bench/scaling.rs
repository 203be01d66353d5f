//! Recurrent step time (forward + backward of one layer on `[batch, time, features]`) over a grid
//! of batch sizes, sequence lengths and unit counts, with the achieved GEMM FLOP/s compared to the
//! machine's measured large-`sgemm` rate; printed as a table and drawn as a PNG.
use super::stats::median;
use super::workloads::Skip;
use kerust_autograd::Tape;
use kerust_layers::{Ctx, Flow, Layer, SimpleRNN, LSTM};
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};
use std::path::Path;
use std::time::Instant;

/// Feature width of the input (the tweets embedding).
pub const INPUT_DIM: usize = 128;

/// A recurrent layer kind: its name and how many `units`-wide gate blocks its kernels have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Lstm,
    SimpleRnn,
}

impl Cell {
    pub fn name(self) -> &'static str {
        match self {
            Cell::Lstm => "LSTM",
            Cell::SimpleRnn => "SimpleRNN",
        }
    }
    fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::SimpleRnn => 1,
        }
    }
    fn layer(self, units: usize) -> Result<Box<dyn Layer>, Skip> {
        match self {
            Cell::Lstm => Ok(Box::new(LSTM::new(units))),
            Cell::SimpleRnn => Ok(Box::new(SimpleRNN::new(units))),
        }
    }
    /// GEMM flops of one forward + backward: forward `2·B·T·(I+U)·G·U`; the backward does the
    /// same products twice (input/state gradients and weight gradients).
    pub fn flops(self, p: Point) -> f64 {
        let fwd = 2.0
            * p.batch as f64
            * p.seq as f64
            * (INPUT_DIM + p.units) as f64
            * (self.gates() * p.units) as f64;
        3.0 * fwd
    }
}

/// One grid point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub batch: usize,
    pub seq: usize,
    pub units: usize,
}

/// Which axis a point varies along (for the table and the plot panels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Batch,
    Seq,
    Units,
}

impl Axis {
    fn name(self) -> &'static str {
        match self {
            Axis::Batch => "batch",
            Axis::Seq => "seq_len",
            Axis::Units => "units",
        }
    }
    fn value(self, p: Point) -> usize {
        match self {
            Axis::Batch => p.batch,
            Axis::Seq => p.seq,
            Axis::Units => p.units,
        }
    }
}

/// The grid: each axis swept with the other two at the tweets shape (batch 32, 15 steps, 64 units);
/// the unit sweep at batch 128. `full` uses every size of issue #9's ranges.
pub fn grid(full: bool) -> Vec<(Axis, Point)> {
    let (batches, seqs, units): (&[usize], &[usize], &[usize]) = if full {
        (
            &[1, 8, 32, 64, 128, 256, 512, 1024],
            &[15, 30, 50, 100, 200, 500],
            &[16, 32, 64, 128, 256, 512],
        )
    } else {
        (&[1, 32, 128, 1024], &[15, 100, 500], &[16, 64, 256, 512])
    };
    let mut g = Vec::new();
    g.extend(batches.iter().map(|&b| {
        (
            Axis::Batch,
            Point {
                batch: b,
                seq: 15,
                units: 64,
            },
        )
    }));
    g.extend(seqs.iter().map(|&s| {
        (
            Axis::Seq,
            Point {
                batch: 32,
                seq: s,
                units: 64,
            },
        )
    }));
    g.extend(units.iter().map(|&u| {
        (
            Axis::Units,
            Point {
                batch: 128,
                seq: 15,
                units: u,
            },
        )
    }));
    g
}

/// A measured point.
#[derive(Debug, Clone)]
pub struct Row {
    pub axis: Axis,
    pub point: Point,
    pub step_s: f64,
    pub gflops: f64,
}

/// Median seconds of one forward + backward step (after a warm-up step; ≥ 3 steps, ≥ 0.3 s).
pub fn step_time(cell: Cell, p: Point) -> Result<f64, Skip> {
    let fail = |e: &dyn std::fmt::Display| Skip::Failed(e.to_string());
    let mut layer = cell.layer(p.units)?;
    let mut rng = Rng::seed(5);
    layer
        .build(&[vec![None, Some(p.seq), Some(INPUT_DIM)]], &mut rng)
        .map_err(|e| fail(&e))?;
    let x = Tensor::rand_uniform(&[p.batch, p.seq, INPUT_DIM], -1.0, 1.0, &mut rng)
        .map_err(|e| fail(&e))?;
    let step = || -> Result<f64, Skip> {
        let t = Instant::now();
        let tape = Tape::new();
        let mut r = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut r);
        // The input requires a gradient, as it does after an Embedding.
        let xin = tape.param(x.clone());
        let out = layer
            .call(&[Flow::float(xin)], &mut ctx)
            .map_err(|e| fail(&e))?;
        let loss = out[0]
            .var("scaling")
            .and_then(|v| v.sum_all().map_err(Into::into))
            .map_err(|e| fail(&e))?;
        let grads = tape.backward(&loss).map_err(|e| fail(&e))?;
        std::hint::black_box(grads);
        Ok(t.elapsed().as_secs_f64())
    };
    step()?;
    let (start, mut times) = (Instant::now(), Vec::new());
    while times.len() < 3 || (times.len() < 50 && start.elapsed().as_secs_f64() < 0.3) {
        times.push(step()?);
    }
    Ok(median(&times))
}

/// Runs the grid for `cell`, printing each row as it is measured.
pub fn run(cell: Cell, full: bool, sgemm_gflops: f64) -> Result<Vec<Row>, Skip> {
    println!(
        "\n{} step (forward + backward, input width {INPUT_DIM}); GEMM efficiency vs sgemm {sgemm_gflops:.1} GFLOP/s",
        cell.name()
    );
    println!(
        "{:>8} {:>6} {:>8} {:>6} {:>12} {:>10} {:>9}",
        "sweep", "batch", "seq_len", "units", "step ms", "GFLOP/s", "% sgemm"
    );
    let mut rows = Vec::new();
    for (axis, p) in grid(full) {
        let s = step_time(cell, p)?;
        let gflops = cell.flops(p) / s / 1e9;
        println!(
            "{:>8} {:>6} {:>8} {:>6} {:>12.3} {:>10.2} {:>8.1}%",
            axis.name(),
            p.batch,
            p.seq,
            p.units,
            s * 1e3,
            gflops,
            100.0 * gflops / sgemm_gflops.max(1e-9)
        );
        rows.push(Row {
            axis,
            point: p,
            step_s: s,
            gflops,
        });
    }
    Ok(rows)
}

/// The `"scaling"` object of the JSON report.
pub fn to_json(cell: Cell, rows: &[Row], sgemm_gflops: f64, peak_gflops: f64) -> Json {
    json!({
        "cell": cell.name(),
        "input_dim": INPUT_DIM,
        "sgemm_gflops": sgemm_gflops,
        "peak_gflops": peak_gflops,
        "points": rows.iter().map(|r| json!({
            "sweep": r.axis.name(),
            "batch": r.point.batch,
            "seq_len": r.point.seq,
            "units": r.point.units,
            "step_s": r.step_s,
            "gflops": r.gflops,
            "fraction_of_sgemm": r.gflops / sgemm_gflops.max(1e-9),
            "fraction_of_peak": r.gflops / peak_gflops.max(1e-9),
        })).collect::<Vec<_>>(),
    })
}

/// Draws step time against each swept axis (log–log) and achieved GFLOP/s against batch size.
pub fn plot(path: &Path, cell: Cell, rows: &[Row], sgemm_gflops: f64) -> Result<(), String> {
    use plotters::prelude::*;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let root = BitMapBackend::new(path, (1200, 900)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let panels = root.split_evenly((2, 2));
    let err = |e: &dyn std::fmt::Display| format!("plotting {}: {e}", path.display());
    let series = |axis: Axis| -> Vec<(f64, f64)> {
        rows.iter()
            .filter(|r| r.axis == axis)
            .map(|r| (axis.value(r.point) as f64, r.step_s * 1e3))
            .collect()
    };
    for (panel, axis) in panels.iter().zip([Axis::Batch, Axis::Seq, Axis::Units]) {
        let pts = series(axis);
        if pts.is_empty() {
            continue;
        }
        let (x0, x1) = bounds(pts.iter().map(|p| p.0));
        let (y0, y1) = bounds(pts.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("{} step time vs {}", cell.name(), axis.name()),
                ("sans-serif", 22),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc(axis.name())
            .y_desc("ms per forward+backward")
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(pts.clone(), &BLUE))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))
            .map_err(|e| err(&e))?;
    }
    // GFLOP/s along the batch sweep against the sgemm ceiling and the 40 % target.
    let pts: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| r.axis == Axis::Batch)
        .map(|r| (r.point.batch as f64, r.gflops))
        .collect();
    if !pts.is_empty() {
        let (x0, x1) = bounds(pts.iter().map(|p| p.0));
        let top = pts.iter().map(|p| p.1).fold(sgemm_gflops, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(&panels[3])
            .caption("achieved GFLOP/s vs batch", ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((x0..x1).log_scale(), 0.0..top)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("batch")
            .y_desc("GFLOP/s")
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(pts.clone(), &BLUE))
            .map_err(|e| err(&e))?
            .label(format!("{} fwd+bwd", cell.name()))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
        chart
            .draw_series(LineSeries::new(
                vec![(x0, sgemm_gflops), (x1, sgemm_gflops)],
                &RED,
            ))
            .map_err(|e| err(&e))?
            .label("sgemm 1024³")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        let target = 0.4 * sgemm_gflops;
        chart
            .draw_series(LineSeries::new(vec![(x0, target), (x1, target)], &GREEN))
            .map_err(|e| err(&e))?
            .label("40 % of sgemm (target)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))
}

/// A log-axis range around the values (a little margin; never empty or non-positive).
fn bounds(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = vals.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let lo = if lo.is_finite() && lo > 0.0 { lo } else { 1e-3 };
    let hi = hi.max(lo * 1.01);
    (lo / 1.3, hi * 1.3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flops_formula_and_grid() {
        let p = Point {
            batch: 2,
            seq: 3,
            units: 4,
        };
        assert_eq!(Cell::Lstm.flops(p), 3.0 * 2.0 * 2.0 * 3.0 * 132.0 * 16.0);
        assert_eq!(grid(false).len(), 11);
        assert!(grid(true).len() > grid(false).len());
        assert!(grid(true).iter().any(|(_, p)| p.batch == 1024));
    }

    #[test]
    fn simple_rnn_steps_and_plots() {
        let p = Point {
            batch: 4,
            seq: 5,
            units: 8,
        };
        let s = step_time(Cell::SimpleRnn, p).unwrap();
        assert!(s > 0.0);
        let rows: Vec<Row> = [
            (Axis::Batch, 4),
            (Axis::Batch, 8),
            (Axis::Seq, 5),
            (Axis::Units, 8),
        ]
        .iter()
        .map(|&(axis, v)| Row {
            axis,
            point: Point {
                batch: v,
                seq: 5,
                units: 8,
            },
            step_s: s * v as f64,
            gflops: 1.0 + v as f64,
        })
        .collect();
        let dir = std::env::temp_dir().join(format!("kerust-bench-test-{}", std::process::id()));
        let png = dir.join("scaling.png");
        plot(&png, Cell::SimpleRnn, &rows, 20.0).unwrap();
        assert!(std::fs::metadata(&png).unwrap().len() > 1000);
        std::fs::remove_dir_all(&dir).ok();
    }
}
