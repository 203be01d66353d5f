//! Classification metrics against scikit-learn outputs recorded by tools/keras_reference/metrics_reference.py.

mod common;

use common::{close, close_all, fixture, i64s, num};
use kerust_metrics::{
    accuracy_score, classification_report, confusion_matrix, f1_score, fbeta_score,
    precision_recall_fscore_support, precision_score, recall_score, Average, PrfOptions, Prfs,
    ReportOptions, ZeroDivision,
};
use serde_json::Value;

const TOL: f64 = 1e-6;

fn cases() -> Vec<Value> {
    fixture("sklearn_classification.json")
        .as_array()
        .expect("list of cases")
        .clone()
}

fn matrix(v: &Value) -> Vec<Vec<u64>> {
    v.as_array()
        .expect("rows")
        .iter()
        .map(|r| i64s(r).into_iter().map(|x| x as u64).collect())
        .collect()
}

#[test]
fn accuracy_and_confusion_matrix() {
    for c in cases() {
        let (t, p) = (i64s(&c["y_true"]), i64s(&c["y_pred"]));
        let name = c["name"].as_str().unwrap();
        close(
            accuracy_score(&t, &p).unwrap(),
            num(&c["accuracy"]),
            1e-12,
            name,
        );
        assert_eq!(
            confusion_matrix(&t, &p, None).unwrap(),
            matrix(&c["confusion_matrix"]),
            "{name}"
        );
        if !c["labels"].is_null() {
            let labels = i64s(&c["labels"]);
            let cm = confusion_matrix(&t, &p, Some(&labels)).unwrap();
            assert_eq!(
                cm,
                matrix(&c["confusion_matrix_labels"]),
                "{name} with labels"
            );
        }
    }
}

#[test]
fn precision_recall_fscore_support_every_option() {
    let mut checked = 0;
    for c in cases() {
        let (t, p) = (i64s(&c["y_true"]), i64s(&c["y_pred"]));
        for row in c["prfs"].as_array().unwrap() {
            let average: Option<Average> = row["average"].as_str().map(|s| s.parse().unwrap());
            let zd: ZeroDivision = row["zero_division"].as_str().unwrap().parse().unwrap();
            let mut opts = PrfOptions::new()
                .average(average)
                .zero_division(zd)
                .pos_label(row["pos_label"].as_i64().unwrap());
            if !row["labels"].is_null() {
                opts = opts.labels(&i64s(&row["labels"]));
            }
            let ctx = format!("{} {row}", c["name"]);
            match precision_recall_fscore_support(&t, &p, &opts).unwrap() {
                Prfs::PerClass(pc) => {
                    let f = |k: &str| common::f64s(&row[k]);
                    close_all(&pc.precision, &f("precision"), TOL, &ctx);
                    close_all(&pc.recall, &f("recall"), TOL, &ctx);
                    close_all(&pc.fbeta_score, &f("f1"), TOL, &ctx);
                    let support: Vec<u64> = i64s(&row["support"])
                        .into_iter()
                        .map(|x| x as u64)
                        .collect();
                    assert_eq!(pc.support, support, "{ctx}");
                    let half =
                        precision_recall_fscore_support(&t, &p, &opts.clone().beta(0.5)).unwrap();
                    let Prfs::PerClass(h) = half else {
                        panic!("{ctx}: per-class expected")
                    };
                    close_all(&h.fbeta_score, &f("f05"), TOL, &ctx);
                }
                Prfs::Averaged(a) => {
                    close(a.precision, num(&row["precision"]), TOL, &ctx);
                    close(a.recall, num(&row["recall"]), TOL, &ctx);
                    close(a.fbeta_score, num(&row["f1"]), TOL, &ctx);
                    assert!(row["support"].is_null());
                    close(
                        precision_score(&t, &p, &opts).unwrap(),
                        num(&row["precision"]),
                        TOL,
                        &ctx,
                    );
                    close(
                        recall_score(&t, &p, &opts).unwrap(),
                        num(&row["recall"]),
                        TOL,
                        &ctx,
                    );
                    close(f1_score(&t, &p, &opts).unwrap(), num(&row["f1"]), TOL, &ctx);
                    close(
                        fbeta_score(&t, &p, 0.5, &opts).unwrap(),
                        num(&row["f05"]),
                        TOL,
                        &ctx,
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 80, "only {checked} option rows in the fixture");
}

#[test]
fn classification_report_text_is_identical() {
    for c in cases() {
        let (t, p) = (i64s(&c["y_true"]), i64s(&c["y_pred"]));
        let name = c["name"].as_str().unwrap();
        let got = classification_report(&t, &p, &ReportOptions::new()).unwrap();
        assert_eq!(got, c["report"].as_str().unwrap(), "{name}");
        let opts = ReportOptions::new()
            .digits(4)
            .zero_division(ZeroDivision::One);
        let got = classification_report(&t, &p, &opts).unwrap();
        assert_eq!(
            got,
            c["report_digits4_zero1"].as_str().unwrap(),
            "{name} digits=4"
        );
        let names: Vec<String> = c["target_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        let got =
            classification_report(&t, &p, &ReportOptions::new().target_names(&names)).unwrap();
        assert_eq!(
            got,
            c["report_names"].as_str().unwrap(),
            "{name} target_names"
        );
        if !c["labels"].is_null() {
            let opts = ReportOptions::new().labels(&i64s(&c["labels"]));
            let got = classification_report(&t, &p, &opts).unwrap();
            assert_eq!(got, c["report_labels"].as_str().unwrap(), "{name} labels");
        }
    }
}
