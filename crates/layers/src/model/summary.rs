//! `summary()`: the Keras 2 table of layers, output shapes and parameter counts.
use super::core::ModelCore;
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

fn row(cells: &[String], stops: &[usize]) -> String {
    let mut line = String::new();
    for (cell, &stop) in cells.iter().zip(stops) {
        line.push_str(cell);
        // Always keep one space between columns, even when a cell overflows.
        let pad = stop.saturating_sub(line.chars().count()).max(1);
        line.push_str(&" ".repeat(pad));
    }
    line.trim_end().to_string()
}

impl ModelCore {
    /// The summary text (what `summary()` prints).
    pub fn summary_string(&self) -> String {
        let multi_input = self.graph.inputs.len() > 1;
        let (width, stops): (usize, Vec<usize>) = if multi_input {
            (98, vec![33, 59, 71, 98])
        } else {
            (65, vec![29, 55, 65])
        };
        let mut out = format!("Model: \"{}\"\n", self.name);
        out.push_str(&"_".repeat(width));
        out.push('\n');
        let mut header = vec![
            " Layer (type)".to_string(),
            "Output Shape".into(),
            "Param #".into(),
        ];
        if multi_input {
            header.push("Connected to".into());
        }
        out.push_str(&row(&header, &stops));
        out.push('\n');
        out.push_str(&"=".repeat(width));
        out.push('\n');
        let mut shown = std::collections::HashSet::new();
        for node in &self.graph.nodes {
            let layer = &self.graph.layers[node.layer];
            if self.is_sequential && layer.class_name() == "InputLayer" {
                continue;
            }
            let first = shown.insert(node.layer);
            let shape = node
                .output_shapes
                .iter()
                .map(|s| fmt_shape(s))
                .collect::<Vec<_>>()
                .join(", ");
            let mut cells = vec![
                format!(" {} ({})", layer.name(), layer.class_name()),
                if node.output_shapes.len() > 1 {
                    format!("[{shape}]")
                } else {
                    shape
                },
                if first {
                    layer.count_params().to_string()
                } else {
                    "0".into()
                },
            ];
            if multi_input {
                let conn: Vec<String> = node
                    .inputs
                    .iter()
                    .map(|&(n, o)| {
                        format!(
                            "{}[0][{o}]",
                            self.graph.layers[self.graph.nodes[n].layer].name()
                        )
                    })
                    .collect();
                cells.push(conn.join(", "));
            }
            out.push_str(&row(&cells, &stops));
            out.push('\n');
        }
        for l in &self.pending {
            out.push_str(&row(
                &[
                    format!(" {} ({})", l.name(), l.class_name()),
                    "(unbuilt)".into(),
                    l.count_params().to_string(),
                ],
                &stops,
            ));
            out.push('\n');
        }
        let params = self.graph.params();
        let total: usize = params.iter().map(|p| p.numel()).sum();
        let trainable: usize = params
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
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(500571), "500,571");
        assert_eq!(super::thousands(207), "207");
        assert_eq!(super::thousands(1000), "1,000");
    }
}
