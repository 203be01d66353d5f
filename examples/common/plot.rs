//! The plot kinds the lectures draw: curves over epochs, y vs ŷ scatter, bars (single or grouped)
//! comparing models, and named points.
use super::AnyResult;
use plotters::prelude::*;
use std::path::Path;

const SIZE: (u32, u32) = (800, 600);
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn err(e: impl std::fmt::Display) -> Box<dyn std::error::Error> {
    format!("plot: {e}").into()
}

/// `plt.legend(loc=...)`: the series labels in a white box with a black border.
fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> AnyResult<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    Ok(())
}

fn range(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    // Pad so flat curves and single points stay visible.
    let pad = ((hi - lo) * 0.05).max(1e-3);
    (lo - pad, hi + pad)
}

/// Lines over the epoch axis (`plt.plot(history.history['loss'])`), one per named series.
pub fn lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(&str, &[f32])],
) -> AnyResult<()> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let n = series
        .iter()
        .map(|(_, s)| s.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let (lo, hi) = range(series.iter().flat_map(|(_, s)| s.iter().copied()));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0f32..(n - 1) as f32, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(err)?;
    for (i, (name, s)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                s.iter().enumerate().map(|(x, &y)| (x as f32, y)),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    if series.len() > 1 || !series.first().map(|s| s.0.is_empty()).unwrap_or(true) {
        // Plotters' default place, middle right.
        legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// `plt.scatter(y, y_pred)` with the y = ŷ diagonal for reference.
pub fn scatter(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    x: &[f32],
    y: &[f32],
) -> AnyResult<()> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (lo, hi) = range(x.iter().chain(y.iter()).copied());
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(lo..hi, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(vec![(lo, lo), (hi, hi)], BLACK.mix(0.4)))
        .map_err(err)?;
    chart
        .draw_series(
            x.iter()
                .zip(y)
                .map(|(&a, &b)| Circle::new((a, b), 3, COLORS[0].mix(0.6).filled())),
        )
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// One series over a time axis plus the value to predict, like the lecture's `plot_series`.
pub fn series_with_target(path: &Path, title: &str, series: &[f32], target: f32) -> AnyResult<()> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let n = series.len();
    let (lo, hi) = range(series.iter().copied().chain(std::iter::once(target)));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0f32..n as f32 + 1.0, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("day")
        .y_desc("standardized price")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            series.iter().enumerate().map(|(i, &v)| (i as f32, v)),
            COLORS[0].stroke_width(2),
        ))
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(Cross::new(
            (n as f32, target),
            8,
            COLORS[3].stroke_width(3),
        )))
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Axes for bar charts: one category per integer x in `0..names.len()`, labelled with its name
/// (in `label_size` points when given), values from 0 to `hi`.
fn category_chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    title: &str,
    y_label: &str,
    names: &[&str],
    hi: f32,
    label_size: Option<u32>,
) -> AnyResult<
    ChartContext<
        'a,
        BitMapBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf32, plotters::coord::types::RangedCoordf32>,
    >,
> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f32..names.len() as f32 - 0.5, 0f32..hi)
        .map_err(err)?;
    let label = |v: &f32| {
        let i = v.round();
        if (v - i).abs() < 1e-3 && i >= 0.0 {
            names
                .get(i as usize)
                .map(|n| n.to_string())
                .unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .y_desc(y_label)
        .x_labels(names.len() * 2 + 1)
        .x_label_formatter(&label);
    if let Some(size) = label_size {
        mesh.x_label_style(("sans-serif", size));
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

/// Bars comparing models (e.g. accuracy per model).
pub fn bars(path: &Path, title: &str, y_label: &str, items: &[(&str, f32)]) -> AnyResult<()> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let hi = items.iter().map(|(_, v)| *v).fold(0f32, f32::max).max(1e-6) * 1.1;
    let names: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
    let mut chart = category_chart(&root, title, y_label, &names, hi, None)?;
    chart
        .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
            let color = COLORS[i % COLORS.len()];
            let x = i as f32;
            Rectangle::new([(x - 0.35, 0.0), (x + 0.35, *v)], color.filled())
        }))
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Several bars per item (`DataFrame.plot(kind="bar")`): one group per item, one colour per series.
pub fn grouped_bars(
    path: &Path,
    title: &str,
    y_label: &str,
    items: &[&str],
    series: &[(&str, Vec<f32>)],
) -> AnyResult<()> {
    let root = BitMapBackend::new(path, (1100, 650)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let hi = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0f32, f32::max)
        .max(1e-6)
        * 1.15;
    let mut chart = category_chart(&root, title, y_label, items, hi, Some(11))?;
    let k = series.len().max(1) as f32;
    let width = 0.8 / k;
    for (s, (name, values)) in series.iter().enumerate() {
        let color = COLORS[s % COLORS.len()];
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let x0 = i as f32 - 0.4 + s as f32 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, *v)], color.filled())
            }))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], color.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Named points (`plt.scatter(x, y, label=name)` once per point, then `plt.legend()`).
pub fn labeled_points(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(&str, f32, f32)],
) -> AnyResult<()> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    // From 0 to past the slowest point: times per prediction can be microseconds.
    let x_hi = points
        .iter()
        .map(|p| p.1)
        .fold(0f32, f32::max)
        .max(f32::MIN_POSITIVE)
        * 1.25;
    let (x_lo, y) = (0f32, points.iter().map(|p| p.2));
    let (y_lo, y_hi) = range(y);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| format!("{v:.1e}"))
        .draw()
        .map_err(err)?;
    for (i, (name, x, y)) in points.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(std::iter::once(Circle::new((*x, *y), 7, color.filled())))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
    root.present().map_err(err)?;
    Ok(())
}
