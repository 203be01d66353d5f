//! "Beyond the black box" (lecture 18): one neuron's per-token output, standardized to 0–1 over the
//! probed texts, shown as each token's background on a cold–hot palette — as HTML (`<span>`s with
//! the value in `title`) and as a PNG.
use super::AnyResult;
use plotters::prelude::*;
use std::path::Path;

/// One probed text: its tokens and the neuron's raw output at each.
pub struct ProbedText {
    /// A heading for the text (its label, the model's prediction).
    pub caption: String,
    /// `(token, raw neuron output)` in reading order.
    pub tokens: Vec<(String, f32)>,
}

/// Min and max of the raw outputs over every token of every text.
pub fn min_max(texts: &[ProbedText]) -> (f32, f32) {
    texts
        .iter()
        .flat_map(|t| t.tokens.iter().map(|x| x.1))
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// `(v - min) / (max - min)`; 0.5 when every value is the same.
pub fn standardize(v: f32, (lo, hi): (f32, f32)) -> f32 {
    if hi > lo {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// Cold (blue, 0) through white-grey (0.5) to hot (red, 1): matplotlib's `coolwarm` end and mid
/// points, interpolated linearly.
pub fn cold_hot(s: f32) -> (u8, u8, u8) {
    const COLD: [f32; 3] = [59.0, 76.0, 192.0];
    const MID: [f32; 3] = [221.0, 221.0, 221.0];
    const HOT: [f32; 3] = [180.0, 4.0, 38.0];
    let s = s.clamp(0.0, 1.0);
    let (a, b, t) = if s < 0.5 {
        (COLD, MID, s * 2.0)
    } else {
        (MID, HOT, (s - 0.5) * 2.0)
    };
    let c = |i: usize| (a[i] + (b[i] - a[i]) * t).round() as u8;
    (c(0), c(1), c(2))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTML page: one paragraph per text, each token a `<span>` coloured by its standardized value,
/// with the standardized and raw values in its `title`.
pub fn html(title: &str, texts: &[ProbedText]) -> String {
    let range = min_max(texts);
    let mut out = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n\
         <body style=\"font-family:sans-serif;max-width:60em\">\n<h2>{t}</h2>\n\
         <p>raw output from {:.4} (blue, 0) to {:.4} (red, 1)</p>\n",
        range.0,
        range.1,
        t = escape(title)
    );
    for text in texts {
        out.push_str(&format!("<h4>{}</h4>\n<p>", escape(&text.caption)));
        for (tok, v) in &text.tokens {
            let s = standardize(*v, range);
            let (r, g, b) = cold_hot(s);
            out.push_str(&format!(
                "<span style=\"background-color:#{r:02x}{g:02x}{b:02x};padding:1px 2px\" title=\"{s:.3} (raw {v:.4})\">{}</span> ",
                escape(tok)
            ));
        }
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

fn err(e: impl std::fmt::Display) -> Box<dyn std::error::Error> {
    format!("probe plot: {e}").into()
}

/// One thing to draw: a caption line, or a token on its coloured box.
struct Placed {
    x: i32,
    y: i32,
    width: i32,
    text: String,
    rgb: (u8, u8, u8),
    caption: bool,
}

/// The same colouring as a picture: tokens on coloured boxes, wrapped at the page width.
pub fn png(path: &Path, title: &str, texts: &[ProbedText]) -> AnyResult<()> {
    const WIDTH: u32 = 1000;
    const LINE: i32 = 26;
    const MARGIN: i32 = 15;
    let range = min_max(texts);
    let font = ("sans-serif", 18).into_font();
    let style = TextStyle::from(font.clone());
    // Lay out first (text widths need a drawing area), then draw on one of the right height.
    let probe_area = BitMapBackend::new(path, (WIDTH, 10)).into_drawing_area();
    let mut boxes: Vec<Placed> = Vec::new();
    let mut y = MARGIN + 34;
    for text in texts {
        boxes.push(Placed {
            x: MARGIN,
            y,
            width: 0,
            text: text.caption.clone(),
            rgb: (255, 255, 255),
            caption: true,
        });
        y += LINE;
        let mut x = MARGIN;
        for (tok, v) in &text.tokens {
            let (w, _) = probe_area.estimate_text_size(tok, &style).map_err(err)?;
            let w = w as i32 + 6;
            if x + w > WIDTH as i32 - MARGIN {
                x = MARGIN;
                y += LINE;
            }
            boxes.push(Placed {
                x,
                y,
                width: w,
                text: tok.clone(),
                rgb: cold_hot(standardize(*v, range)),
                caption: false,
            });
            x += w + 4;
        }
        y += LINE + 12;
    }
    drop(probe_area);
    let root = BitMapBackend::new(path, (WIDTH, (y + MARGIN) as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    root.draw_text(
        title,
        &("sans-serif", 22).into_font().color(&BLACK),
        (MARGIN, MARGIN),
    )
    .map_err(err)?;
    for Placed {
        x,
        y,
        width: w,
        text: tok,
        rgb: (r, g, b),
        caption,
    } in boxes
    {
        if caption {
            root.draw_text(
                &tok,
                &("sans-serif", 16).into_font().color(&RGBColor(80, 80, 80)),
                (x, y),
            )
            .map_err(err)?;
            continue;
        }
        root.draw(&Rectangle::new(
            [(x, y - 2), (x + w, y + LINE - 6)],
            RGBColor(r, g, b).filled(),
        ))
        .map_err(err)?;
        root.draw_text(&tok, &font.color(&BLACK), (x + 3, y))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_and_scaling() {
        assert_eq!(cold_hot(0.0), (59, 76, 192));
        assert_eq!(cold_hot(1.0), (180, 4, 38));
        assert_eq!(standardize(3.0, (1.0, 5.0)), 0.5);
    }
}
