//! `count_tokens`: the parallel word count behind `Tokenizer::fit_on_texts` and
//! `TextVectorizer::adapt` — occurrences and document frequencies per token, in order of
//! first appearance, identical for every thread count.

use crate::error::Result;
use crate::interner::Interner;
use rayon::prelude::*;

/// Texts per rayon task at least: big enough to amortise the per-chunk tables.
const MIN_CHUNK: usize = 2048;

/// Something that cuts a text into tokens (`buf` is reusable scratch space).
pub(crate) trait Tokens: Sync {
    fn for_each_token<F: FnMut(&str)>(&self, text: &str, buf: &mut String, f: F);
}

/// One token of a chunk of texts: occurrences, documents containing it, the last such document.
#[derive(Clone, Copy)]
struct ChunkStat {
    count: u64,
    docs: u32,
    last_doc: u32,
}

/// Every distinct token of `texts`, in order of first appearance, with
/// `(occurrences, number of texts containing it)`.
pub(crate) fn count_tokens<S, T>(texts: &[S], tokens: &T) -> Result<Interner<(u64, u64)>>
where
    S: AsRef<str> + Sync,
    T: Tokens,
{
    // Few large chunks (each is merged serially); at most u32::MAX texts each, so document
    // numbers fit in a u32.
    let chunk = (texts.len() / (4 * rayon::current_num_threads()))
        .max(MIN_CHUNK)
        .min(u32::MAX as usize);
    let chunks: Vec<Interner<ChunkStat>> = texts
        .par_chunks(chunk)
        .map(|chunk| {
            let mut words: Interner<ChunkStat> = Interner::default();
            let mut buf = String::new();
            let mut err = None;
            for (doc, text) in (0u32..).zip(chunk) {
                let init = ChunkStat {
                    count: 1,
                    docs: 1,
                    last_doc: doc,
                };
                tokens.for_each_token(text.as_ref(), &mut buf, |w| match words.entry(w, init) {
                    Ok((_, true)) => {}
                    Ok((st, false)) => {
                        st.count += 1;
                        if st.last_doc != doc {
                            st.docs += 1;
                            st.last_doc = doc;
                        }
                    }
                    Err(e) => {
                        err.get_or_insert(e);
                    }
                });
            }
            err.map_or(Ok(words), Err)
        })
        .collect::<Result<_>>()?;
    // Merging the chunks in order keeps the global first-appearance order.
    let mut all: Interner<(u64, u64)> =
        Interner::with_capacity(chunks.iter().map(Interner::len).max().unwrap_or(0));
    for c in &chunks {
        for (id, st) in c.values().into_iter().enumerate() {
            let (count, docs) = (st.count, u64::from(st.docs));
            let (e, new) = all.entry_from(c, id, (count, docs))?;
            if !new {
                e.0 += count;
                e.1 += docs;
            }
        }
    }
    Ok(all)
}

/// Texts counted per [`count_tokens`] call when fitting from an iterator: enough for the
/// parallel counting to pay off, few enough that one chunk of reviews stays a few MB.
pub(crate) const ITER_CHUNK: usize = 8192;

/// [`count_tokens`] over an iterator, `chunk` texts at a time, so only one chunk is held; the
/// merged table is the one `count_tokens` gives for all texts at once (first-appearance order,
/// summed counts and document counts). Returns the table and the number of texts.
pub(crate) fn count_tokens_iter<I, S, T>(
    texts: I,
    tokens: &T,
    chunk: usize,
) -> Result<(Interner<(u64, u64)>, usize)>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str> + Sync,
    T: Tokens,
{
    let mut all: Interner<(u64, u64)> = Interner::default();
    let mut buf: Vec<S> = Vec::with_capacity(chunk.max(1));
    let mut n = 0;
    let mut flush = |buf: &mut Vec<S>, all: &mut Interner<(u64, u64)>| -> Result<()> {
        let c = count_tokens(buf, tokens)?;
        for (id, (count, docs)) in c.values().into_iter().enumerate() {
            let (e, new) = all.entry_from(&c, id, (count, docs))?;
            if !new {
                e.0 += count;
                e.1 += docs;
            }
        }
        n += buf.len();
        buf.clear();
        Ok(())
    };
    for t in texts {
        buf.push(t);
        if buf.len() >= chunk.max(1) {
            flush(&mut buf, &mut all)?;
        }
    }
    if !buf.is_empty() {
        flush(&mut buf, &mut all)?;
    }
    Ok((all, n))
}

/// Run `f` on a rayon pool of `threads` threads (tests of thread-count independence).
#[cfg(test)]
pub(crate) fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
        .install(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Spaces;
    impl Tokens for Spaces {
        fn for_each_token<F: FnMut(&str)>(&self, text: &str, _: &mut String, f: F) {
            text.split(' ').filter(|w| !w.is_empty()).for_each(f);
        }
    }

    fn counts(texts: &[String]) -> Vec<(String, u64, u64)> {
        let all = count_tokens(texts, &Spaces).unwrap();
        all.keys()
            .zip(all.values())
            .map(|(k, (c, d))| (k.to_string(), c, d))
            .collect()
    }

    #[test]
    fn counts_in_first_appearance_order() {
        let texts: Vec<String> = ["b a b", "", "c a", "a"].map(String::from).to_vec();
        assert_eq!(
            counts(&texts),
            [("b".into(), 2, 1), ("a".into(), 3, 3), ("c".into(), 1, 1)]
        );
    }

    #[test]
    fn same_result_for_every_thread_count() {
        // Enough texts for several chunks; words reappear across chunk borders.
        let texts: Vec<String> = (0..20_000)
            .map(|i| format!("w{} w{} w{}", i % 7, (i * 31) % 5003, i / 3))
            .collect();
        let run = |threads| with_threads(threads, || counts(&texts));
        let one = run(1);
        // A plain sequential count as the reference.
        let mut naive: indexmap::IndexMap<String, (u64, u64)> = Default::default();
        for t in &texts {
            let mut seen = std::collections::HashSet::new();
            for w in t.split(' ') {
                let e = naive.entry(w.to_string()).or_insert((0, 0));
                e.0 += 1;
                if seen.insert(w) {
                    e.1 += 1;
                }
            }
        }
        let naive: Vec<_> = naive.into_iter().map(|(k, (c, d))| (k, c, d)).collect();
        assert_eq!(one, naive);
        assert_eq!(run(3), one);
        assert_eq!(run(8), one);
    }
}
