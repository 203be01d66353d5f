//! The lecture CSV loaders: the first byte picks the loader, the rest is the file.
#![no_main]
use kerust_datasets::{load_yelp_polarity_csv, Fortune500, MnistCsv, Quora, Tweets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let p = std::env::temp_dir().join(format!("kerust_fuzz_{}.csv", std::process::id()));
    std::fs::write(&p, body).unwrap();
    let _ = match which % 5 {
        0 => MnistCsv::load(&p).map(|_| ()),
        1 => Fortune500::load(&p).map(|_| ()),
        2 => Quora::load(&p).map(|_| ()),
        3 => Tweets::load(&p).map(|_| ()),
        _ => load_yelp_polarity_csv(&p).map(|_| ()),
    };
});
