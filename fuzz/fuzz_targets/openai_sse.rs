//! The upstream stream decoder: any body split at any points decodes to the same events as the
//! body pushed at once (and never panics).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopkeep_gateway_core::openai_sse::OpenAiStreamDecoder;

fuzz_target!(|data: &[u8]| {
    // The first byte picks how many leading bytes are chunk lengths; the rest is the body.
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16).min(rest.len());
    let (lengths, body) = rest.split_at(n);

    let mut whole = OpenAiStreamDecoder::new();
    let mut expected = whole.push(body);
    expected.extend(whole.finish());

    let mut split = OpenAiStreamDecoder::new();
    let mut got = Vec::new();
    let mut at = 0;
    for &len in lengths {
        let end = (at + usize::from(len)).min(body.len());
        got.extend(split.push(&body[at..end]));
        at = end;
    }
    got.extend(split.push(&body[at..]));
    got.extend(split.finish());

    assert_eq!(got, expected);
    assert_eq!(split.saw_end(), whole.saw_end());
});
