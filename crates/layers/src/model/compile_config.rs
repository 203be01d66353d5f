//! `compile_config` / `training_config` and `compile_from_config`: what `compile` recorded, as
//! Keras 3 `compile_config` or Keras 2 `training_config` JSON, and back.
use super::model_core::{Compiled, ModelCore};
use crate::error::{LayerError, Result};
use crate::layer::snake_case;
use crate::losses::Loss;
use serde_json::{json, Value as Json};

impl ModelCore {
    /// Keras 3 `compile_config` (`None` before `compile`).
    pub fn compile_config(&self) -> Option<Json> {
        let c = self.compiled.as_ref()?;
        let losses: Vec<Json> = c.losses.iter().map(loss_to_json).collect();
        let loss = if losses.len() == 1 {
            losses.into_iter().next().unwrap_or(Json::Null)
        } else {
            Json::Array(losses)
        };
        Some(json!({
            "optimizer": {
                "module": "keras.optimizers",
                "class_name": c.optimizer.class_name(),
                "config": c.optimizer.get_config(),
                "registered_name": null,
            },
            "loss": loss,
            "loss_weights": null,
            "metrics": c.metrics,
            "weighted_metrics": if c.weighted_metrics.is_empty() { Json::Null } else { json!(c.weighted_metrics) },
            "run_eagerly": false,
            "steps_per_execution": 1,
            "jit_compile": false,
        }))
    }

    /// Keras 2 `training_config` (what tf.keras stores next to `model_config` in `.h5` files).
    pub fn training_config(&self) -> Option<Json> {
        let c = self.compile_config()?;
        Some(json!({
            "loss": c["loss"],
            "metrics": c["metrics"],
            "weighted_metrics": c["weighted_metrics"],
            "loss_weights": null,
            "optimizer_config": {"class_name": c["optimizer"]["class_name"], "config": c["optimizer"]["config"]},
        }))
    }

    /// Compile from a Keras 3 `compile_config` or a Keras 2 `training_config`.
    pub fn compile_from_config(&mut self, cfg: &Json) -> Result<()> {
        let opt = cfg
            .get("optimizer")
            .filter(|o| o.is_object())
            .or_else(|| cfg.get("optimizer_config"))
            .ok_or_else(|| LayerError::config("compile config", "no 'optimizer' entry"))?;
        let optimizer = match opt {
            Json::String(s) => crate::optimizers::get(s)?,
            o => {
                // tf.keras writes "Custom>RMSprop" for its new-style optimizers.
                let mut o = o.clone();
                if let Some(c) = o["class_name"].as_str().and_then(|c| c.rsplit_once('>')) {
                    o["class_name"] = json!(c.1);
                }
                crate::optimizers::from_config(&o)?
            }
        };
        let outputs = self.graph.outputs.len().max(1);
        let losses = match cfg.get("loss") {
            Some(Json::Array(a)) => a.iter().map(loss_from_json).collect::<Result<Vec<_>>>()?,
            Some(Json::Object(m)) if !m.contains_key("class_name") => {
                m.values().map(loss_from_json).collect::<Result<Vec<_>>>()?
            }
            Some(l) => vec![loss_from_json(l)?],
            None => return Err(LayerError::config("compile config", "no 'loss' entry")),
        };
        let losses = if losses.len() == 1 && outputs > 1 {
            vec![losses[0]; outputs]
        } else {
            losses
        };
        let mut metrics = Vec::new();
        collect_metric_names(cfg.get("metrics").unwrap_or(&Json::Null), &mut metrics);
        let mut weighted_metrics = Vec::new();
        collect_metric_names(
            cfg.get("weighted_metrics").unwrap_or(&Json::Null),
            &mut weighted_metrics,
        );
        self.compiled = Some(Compiled {
            optimizer,
            losses,
            metrics,
            weighted_metrics,
        });
        Ok(())
    }
}

fn loss_to_json(l: &Loss) -> Json {
    match *l {
        Loss::BinaryCrossentropy { from_logits: true } => {
            json!({"class_name": "BinaryCrossentropy", "config": {"from_logits": true, "name": "binary_crossentropy", "reduction": "sum_over_batch_size"}})
        }
        Loss::CategoricalCrossentropy { from_logits: true } => {
            json!({"class_name": "CategoricalCrossentropy", "config": {"from_logits": true, "name": "categorical_crossentropy", "reduction": "sum_over_batch_size"}})
        }
        Loss::SparseCategoricalCrossentropy { from_logits: true } => {
            json!({"class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": true, "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size"}})
        }
        Loss::Huber { delta } if delta != 1.0 => {
            json!({"class_name": "Huber", "config": {"delta": delta, "name": "huber_loss", "reduction": "sum_over_batch_size"}})
        }
        _ => json!(l.name()),
    }
}

fn loss_from_json(v: &Json) -> Result<Loss> {
    match v {
        Json::String(s) => Loss::from_name(s),
        Json::Object(_) => {
            let class = v["class_name"].as_str().unwrap_or_default();
            let cfg = &v["config"];
            let mut loss = Loss::from_name(class)
                .or_else(|_| Loss::from_name(&snake_case(class)))
                .or_else(|_| Loss::from_name(cfg["name"].as_str().unwrap_or_default()))?;
            let logits = cfg["from_logits"].as_bool().unwrap_or(false);
            match &mut loss {
                Loss::BinaryCrossentropy { from_logits }
                | Loss::CategoricalCrossentropy { from_logits }
                | Loss::SparseCategoricalCrossentropy { from_logits } => *from_logits = logits,
                Loss::Huber { delta } => *delta = cfg["delta"].as_f64().unwrap_or(1.0) as f32,
                _ => {}
            }
            Ok(loss)
        }
        other => Err(LayerError::config(
            "compile config",
            format!("loss must be a name or a {{class_name, config}} object, got {other}"),
        )),
    }
}

/// Metric names from Keras 3 lists or Keras 2 nested lists of names / `MeanMetricWrapper` dicts.
fn collect_metric_names(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::String(s) if !out.contains(s) => out.push(s.clone()),
        Json::Array(a) => a.iter().for_each(|x| collect_metric_names(x, out)),
        Json::Object(m) if m.contains_key("config") => {
            if let Some(n) = m["config"].get("name").and_then(Json::as_str) {
                collect_metric_names(&json!(n), out);
            }
        }
        Json::Object(m) => m.values().for_each(|x| collect_metric_names(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::{model_from_config, Dense, Sequential};

    #[test]
    fn compile_config_round_trips() {
        let mut m = Sequential::new();
        m.add(Dense::new(1).input_shape(&[2])).unwrap();
        m.compile(
            crate::Adam::new().learning_rate(0.01),
            "binary_crossentropy",
            &["accuracy"],
        )
        .unwrap();
        let c = m.compile_config().unwrap();
        let mut back = model_from_config(&m.to_config()).unwrap();
        back.compile_from_config(&c).unwrap();
        assert_eq!(back.compile_config().unwrap(), c);
        back.compile_from_config(&m.training_config().unwrap())
            .unwrap();
        assert_eq!(back.compile_config().unwrap(), c);
    }
}
