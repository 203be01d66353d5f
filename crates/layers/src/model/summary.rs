//! `summary()`: the Keras 2 table of layers, output shapes and parameter counts — the plain
//! layout for sequential-like models, the "Connected to" layout for graphs with branches, several
//! inputs or shared layers — laid out by the same column rules as Keras's `print_row`.
use super::model_core::ModelCore;
use crate::layer::fmt_shape;

/// `1234567` → `1,234,567` as Keras prints totals.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Keras's `print_row`: each cell is cut to its column (2 spaces between columns), preferring to
/// break after `),` `},` `],` `',`; the rest continues on following lines.
fn print_row(fields: &[String], positions: &[usize], out: &mut String) {
    let mut left: Vec<Vec<char>> = fields.iter().map(|f| f.chars().collect()).collect();
    while left.iter().any(|c| !c.is_empty()) {
        let mut line: Vec<char> = Vec::new();
        for col in 0..left.len() {
            let start = if col > 0 { positions[col - 1] } else { 0 };
            let last = col == positions.len() - 1;
            let space = if last { 0 } else { 2 };
            let mut cutoff = positions[col].saturating_sub(start + space);
            if !last {
                cutoff = cutoff.saturating_sub(1);
            }
            let cell = &left[col];
            let mut fit: Vec<char> = cell[..cutoff.min(cell.len())].to_vec();
            let text: String = fit.iter().collect();
            let candidates = ["),", "},", "],", "',"]
                .iter()
                .filter_map(|b| text.find(b).map(|i| text[..i].chars().count() + 2))
                .min();
            if let Some(c) = candidates {
                cutoff = c;
                fit.truncate(c);
            }
            if col == 0 {
                line.push(' ');
            }
            line.extend(&fit);
            line.extend(std::iter::repeat_n(' ', space));
            left[col] = cell[cutoff.min(cell.len())..].to_vec();
            let pad = positions[col].saturating_sub(line.len());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        out.extend(line);
        out.push('\n');
    }
}

impl ModelCore {
    /// Keras's test for the plain layout: a chain where every depth holds one single-input call and
    /// no layer is called twice.
    fn sequential_like(&self) -> bool {
        if self.is_sequential {
            return true;
        }
        let g = &self.graph;
        let n = g.nodes.len();
        // Depth as Keras counts it: 0 at the outputs, growing towards the inputs.
        let mut depth = vec![0usize; n];
        for i in (0..n).rev() {
            for &(src, _) in &g.nodes[i].inputs {
                depth[src] = depth[src].max(depth[i] + 1);
            }
        }
        let mut per_depth = std::collections::HashMap::new();
        for (i, node) in g.nodes.iter().enumerate() {
            if node.inputs.len() > 1 {
                return false;
            }
            *per_depth.entry(depth[i]).or_insert(0usize) += 1;
        }
        let mut calls = vec![0usize; g.layers.len()];
        for node in &g.nodes {
            calls[node.layer] += 1;
        }
        per_depth.values().all(|&c| c <= 1) && calls.iter().all(|&c| c <= 1)
    }

    /// The summary text (what `summary()` prints).
    pub fn summary_string(&self) -> String {
        let g = &self.graph;
        let seq = self.sequential_like();
        let (width, positions): (usize, Vec<usize>) = if seq {
            (65, vec![29, 55, 65])
        } else {
            (98, vec![29, 58, 68, 98])
        };
        let mut out = format!("Model: \"{}\"\n", self.name);
        out.push_str(&"_".repeat(width));
        out.push('\n');
        let mut header: Vec<String> = vec![
            "Layer (type)".into(),
            "Output Shape".into(),
            "Param #".into(),
        ];
        if !seq {
            header.push("Connected to".into());
        }
        print_row(&header, &positions, &mut out);
        out.push_str(&"=".repeat(width));
        out.push('\n');
        // Which call of its layer each node is (Keras's node_index in `name[node][tensor]`).
        let mut call_index = vec![0usize; g.nodes.len()];
        let mut seen_calls = vec![0usize; g.layers.len()];
        for (i, node) in g.nodes.iter().enumerate() {
            call_index[i] = seen_calls[node.layer];
            seen_calls[node.layer] += 1;
        }
        let blank = format!("{}\n", " ".repeat(width));
        for (li, layer) in g.layers.iter().enumerate() {
            let is_input = layer.class_name() == "InputLayer";
            if self.is_sequential && is_input {
                continue;
            }
            let nodes: Vec<usize> = (0..g.nodes.len())
                .filter(|&i| g.nodes[i].layer == li)
                .collect();
            let shape_of = |i: usize| {
                let shapes = &g.nodes[i].output_shapes;
                let s: Vec<String> = shapes.iter().map(|s| fmt_shape(s)).collect();
                // Input layers and multi-output calls print as a list of tuples.
                if shapes.len() > 1 || (is_input && !self.is_sequential) {
                    format!("[{}]", s.join(", "))
                } else {
                    s.join(", ")
                }
            };
            let shape = match nodes.first() {
                None => "(unbuilt)".to_string(),
                Some(&first) => {
                    if nodes
                        .iter()
                        .all(|&i| g.nodes[i].output_shapes == g.nodes[first].output_shapes)
                    {
                        shape_of(first)
                    } else {
                        "multiple".into()
                    }
                }
            };
            let mut cells = vec![
                format!("{} ({})", layer.name(), layer.class_name()),
                shape,
                layer.count_params().to_string(),
            ];
            if !seq {
                let conn: Vec<String> = nodes
                    .iter()
                    .flat_map(|&i| g.nodes[i].inputs.iter())
                    .map(|&(n, o)| {
                        format!(
                            "'{}[{}][{o}]'",
                            g.layers[g.nodes[n].layer].name(),
                            call_index[n]
                        )
                    })
                    .collect();
                cells.push(format!("[{}]", conn.join(", ")));
            }
            print_row(&cells, &positions, &mut out);
            out.push_str(&blank);
        }
        for l in &self.pending {
            print_row(
                &[
                    format!("{} ({})", l.name(), l.class_name()),
                    "(unbuilt)".into(),
                    l.count_params().to_string(),
                ],
                &positions,
                &mut out,
            );
            out.push_str(&blank);
        }
        let params = g.params();
        let mut ids = std::collections::HashSet::new();
        let unique: Vec<_> = params.into_iter().filter(|p| ids.insert(p.id())).collect();
        let total: usize = unique.iter().map(|p| p.numel()).sum();
        let trainable: usize = unique
            .iter()
            .filter(|p| p.trainable)
            .map(|p| p.numel())
            .sum();
        out.push_str(&"=".repeat(width));
        out.push('\n');
        out.push_str(&format!("Total params: {}\n", thousands(total)));
        out.push_str(&format!("Trainable params: {}\n", thousands(trainable)));
        out.push_str(&format!(
            "Non-trainable params: {}\n",
            thousands(total - trainable)
        ));
        out.push_str(&"_".repeat(width));
        out.push('\n');
        out
    }

    /// Print the summary (Keras `model.summary()`).
    pub fn summary(&self) {
        print!("{}", self.summary_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(500571), "500,571");
        assert_eq!(thousands(207), "207");
        assert_eq!(thousands(1000), "1,000");
    }

    #[test]
    fn rows_wrap_like_keras_print_row() {
        let mut out = String::new();
        print_row(
            &[
                "embedding (Embedding)".into(),
                "(None, 5, 4)".into(),
                "40".into(),
                "['q1[0][0]', 'q2[0][0]']".into(),
            ],
            &[29, 58, 68, 98],
            &mut out,
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            format!(
                "{:<98}",
                " embedding (Embedding)       (None, 5, 4)                 40        ['q1[0][0]',"
            )
        );
        assert_eq!(lines[1], format!("{:<98}", format!("{:69}'q2[0][0]']", "")));
    }
}
