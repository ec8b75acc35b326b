//! Which attribute paths carry what: session keys, users, span kinds, tokens, cost, model.
//!
//! Paths are the canonical dotted attribute keys (`session.id`, `metadata.requester_metadata.
//! user_id`), whatever shape the exporter gave them: flat columns, nested objects, OTLP key/value
//! lists or JSON strings. The session keys are listed in priority order; the first found on a
//! span wins.

use serde::Serialize;
use std::borrow::Cow;

/// Where a session id came from, in priority order (lower wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SessionKey {
    #[serde(rename = "session.id")]
    SessionId,
    #[serde(rename = "gen_ai.conversation.id")]
    GenAiConversation,
    #[serde(rename = "langfuse.session.id")]
    Langfuse,
    #[serde(rename = "langfuse.*.metadata.langfuse_session_id")]
    LangfuseMetadata,
    #[serde(rename = "mlflow.trace.session")]
    Mlflow,
    #[serde(rename = "session_id")]
    Bare,
    #[serde(rename = "openinference.session.id")]
    OpenInference,
    #[serde(rename = "langsmith.metadata.session_id")]
    LangsmithSession,
    #[serde(rename = "langsmith.metadata.thread_id")]
    LangsmithThread,
    #[serde(rename = "langsmith.metadata.conversation_id")]
    LangsmithConversation,
    #[serde(rename = "ai.telemetry.metadata.sessionId")]
    Vercel,
    #[serde(rename = "traceloop.association.properties.session_id")]
    Traceloop,
    #[serde(rename = "metadata.user_api_key_end_user_id")]
    LiteLlmEndUser,
    #[serde(rename = "metadata.requester_metadata.user_id")]
    LiteLlmRequester,
    #[serde(rename = "metadata.user_id")]
    MetadataUserId,
    #[serde(rename = "llm.<provider>.metadata.user_id")]
    ProviderMetadata,
    #[serde(rename = "metadata.session_id")]
    MetadataSession,
    /// An OpenAI Agents SDK trace's `group_id` (given by the trace record, for its spans).
    #[serde(rename = "agents.group_id")]
    AgentsGroup,
    /// A Claude Code transcript line's `sessionId` (read as `claude_code.session.id`).
    #[serde(rename = "sessionId (claude code)")]
    ClaudeCode,
}

impl SessionKey {
    pub const ALL: [SessionKey; 19] = [
        SessionKey::SessionId,
        SessionKey::GenAiConversation,
        SessionKey::Langfuse,
        SessionKey::LangfuseMetadata,
        SessionKey::Mlflow,
        SessionKey::Bare,
        SessionKey::OpenInference,
        SessionKey::LangsmithSession,
        SessionKey::LangsmithThread,
        SessionKey::LangsmithConversation,
        SessionKey::Vercel,
        SessionKey::Traceloop,
        SessionKey::LiteLlmEndUser,
        SessionKey::LiteLlmRequester,
        SessionKey::MetadataUserId,
        SessionKey::ProviderMetadata,
        SessionKey::MetadataSession,
        SessionKey::AgentsGroup,
        SessionKey::ClaudeCode,
    ];

    /// The key's name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            SessionKey::SessionId => "session.id",
            SessionKey::GenAiConversation => "gen_ai.conversation.id",
            SessionKey::Langfuse => "langfuse.session.id",
            SessionKey::LangfuseMetadata => "langfuse.*.metadata.langfuse_session_id",
            SessionKey::Mlflow => "mlflow.trace.session",
            SessionKey::Bare => "session_id",
            SessionKey::OpenInference => "openinference.session.id",
            SessionKey::LangsmithSession => "langsmith.metadata.session_id",
            SessionKey::LangsmithThread => "langsmith.metadata.thread_id",
            SessionKey::LangsmithConversation => "langsmith.metadata.conversation_id",
            SessionKey::Vercel => "ai.telemetry.metadata.sessionId",
            SessionKey::Traceloop => "traceloop.association.properties.session_id",
            SessionKey::LiteLlmEndUser => "metadata.user_api_key_end_user_id",
            SessionKey::LiteLlmRequester => "metadata.requester_metadata.user_id",
            SessionKey::MetadataUserId => "metadata.user_id",
            SessionKey::ProviderMetadata => "llm.<provider>.metadata.user_id",
            SessionKey::MetadataSession => "metadata.session_id",
            SessionKey::AgentsGroup => "agents.group_id",
            SessionKey::ClaudeCode => "sessionId (claude code)",
        }
    }

    /// True for keys whose value is a Claude Code / LiteLLM user id to be taken apart.
    pub fn is_user_id_string(self) -> bool {
        matches!(
            self,
            SessionKey::LiteLlmEndUser
                | SessionKey::LiteLlmRequester
                | SessionKey::MetadataUserId
                | SessionKey::ProviderMetadata
        )
    }

    pub fn from_u8(v: u8) -> Option<SessionKey> {
        SessionKey::ALL.get(usize::from(v)).copied()
    }
}

/// Which token count a path carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tokens {
    Prompt,
    Completion,
    Total,
}

/// What the index wants from an attribute path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    Session(SessionKey),
    /// A user id; lower rank wins.
    User(u8),
    /// A span kind; lower rank wins.
    Kind(u8),
    Tokens(Tokens),
    Cost,
    Model,
}

/// How to treat an attribute path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Skip,
    /// Descend into objects, arrays and strings holding JSON or Python literals.
    Tree,
    Leaf(Attr),
}

/// `llm.*` children that are OpenInference fields, not provider names.
const LLM_FIELDS: &[&[u8]] = &[
    b"input_messages",
    b"output_messages",
    b"invocation_parameters",
    b"tools",
    b"prompts",
    b"choices",
    b"prompt_template",
    b"function_call",
    b"model_name",
    b"provider",
    b"system",
    b"finish_reason",
    b"token_count",
    b"cost",
];

/// The attribute paths the index reads. Every proper prefix of one (at a dot) is descended into.
const LEAVES: &[(&str, Attr)] = {
    use Attr::{Cost, Kind, Model, Session, Tokens as T, User};
    use SessionKey as K;
    &[
        ("session.id", Session(K::SessionId)),
        ("gen_ai.conversation.id", Session(K::GenAiConversation)),
        ("langfuse.session.id", Session(K::Langfuse)),
        (
            "langfuse.trace.metadata.langfuse_session_id",
            Session(K::LangfuseMetadata),
        ),
        (
            "langfuse.observation.metadata.langfuse_session_id",
            Session(K::LangfuseMetadata),
        ),
        ("mlflow.trace.session", Session(K::Mlflow)),
        ("session_id", Session(K::Bare)),
        ("openinference.session.id", Session(K::OpenInference)),
        (
            "langsmith.metadata.session_id",
            Session(K::LangsmithSession),
        ),
        ("langsmith.metadata.thread_id", Session(K::LangsmithThread)),
        (
            "langsmith.metadata.conversation_id",
            Session(K::LangsmithConversation),
        ),
        ("ai.telemetry.metadata.sessionId", Session(K::Vercel)),
        (
            "traceloop.association.properties.session_id",
            Session(K::Traceloop),
        ),
        (
            "metadata.user_api_key_end_user_id",
            Session(K::LiteLlmEndUser),
        ),
        (
            "metadata.requester_metadata.user_id",
            Session(K::LiteLlmRequester),
        ),
        ("metadata.user_id", Session(K::MetadataUserId)),
        ("metadata.session_id", Session(K::MetadataSession)),
        ("metadata.sessionId", Session(K::MetadataSession)),
        ("metadata.conversation_id", Session(K::MetadataSession)),
        ("metadata.thread_id", Session(K::MetadataSession)),
        // LangSmith runs: the thread keys in `extra.metadata` (as `langsmith.metadata.*` above,
        // which is how LangSmith's OpenTelemetry exporter names them).
        ("extra.metadata.session_id", Session(K::LangsmithSession)),
        ("extra.metadata.thread_id", Session(K::LangsmithThread)),
        (
            "extra.metadata.conversation_id",
            Session(K::LangsmithConversation),
        ),
        ("user.id", User(0)),
        ("mlflow.trace.user", User(1)),
        ("langfuse.user.id", User(2)),
        ("ai.telemetry.metadata.userId", User(4)),
        ("openinference.span.kind", Kind(0)),
        ("gen_ai.span.kind", Kind(3)),
        ("fi.span.kind", Kind(3)),
        ("mlflow.spanType", Kind(4)),
        ("gen_ai.operation.name", Kind(5)),
        ("llm.token_count.prompt", T(Tokens::Prompt)),
        ("gen_ai.usage.input_tokens", T(Tokens::Prompt)),
        ("gen_ai.usage.prompt_tokens", T(Tokens::Prompt)),
        ("mlflow.chat.tokenUsage.input_tokens", T(Tokens::Prompt)),
        ("llm.token_count.completion", T(Tokens::Completion)),
        ("gen_ai.usage.output_tokens", T(Tokens::Completion)),
        ("gen_ai.usage.completion_tokens", T(Tokens::Completion)),
        (
            "mlflow.chat.tokenUsage.output_tokens",
            T(Tokens::Completion),
        ),
        ("llm.token_count.total", T(Tokens::Total)),
        ("gen_ai.usage.total_tokens", T(Tokens::Total)),
        ("mlflow.chat.tokenUsage.total_tokens", T(Tokens::Total)),
        ("llm.cost.total", Cost),
        ("gen_ai.cost.total", Cost),
        ("mlflow.llm.cost.total_cost", Cost),
        ("llm.model_name", Model),
        ("gen_ai.request.model", Model),
        ("gen_ai.response.model", Model),
        ("mlflow.llm.model", Model),
        ("prompt_tokens", T(Tokens::Prompt)),
        ("completion_tokens", T(Tokens::Completion)),
        ("total_tokens", T(Tokens::Total)),
        ("total_cost", Cost),
        ("extra.metadata.ls_model_name", Model),
        ("extra.invocation_params.model", Model),
        ("extra.invocation_params.model_name", Model),
        // Langfuse: the model, usage and cost of a generation, as its SDKs name them over
        // OpenTelemetry (and as its API's and exports' fields are read, src/format/langfuse.rs).
        ("langfuse.observation.model.name", Model),
        (
            "langfuse.observation.usage_details.input",
            T(Tokens::Prompt),
        ),
        (
            "langfuse.observation.usage_details.output",
            T(Tokens::Completion),
        ),
        ("langfuse.observation.usage_details.total", T(Tokens::Total)),
        ("langfuse.observation.cost_details.total", Cost),
        // OpenAI Agents SDK spans: a generation's or response's `span_data`.
        ("span_data.model", Model),
        ("span_data.usage.input_tokens", T(Tokens::Prompt)),
        ("span_data.usage.output_tokens", T(Tokens::Completion)),
        ("span_data.usage.total_tokens", T(Tokens::Total)),
        // Claude Code transcript lines (src/format/claude_code.rs).
        ("claude_code.session.id", Session(K::ClaudeCode)),
    ]
};

static TABLE: std::sync::LazyLock<crate::hash::Map<&'static [u8], Class>> =
    std::sync::LazyLock::new(|| {
        let mut m = crate::hash::Map::default();
        for (path, _) in LEAVES {
            let p = path.as_bytes();
            for (i, _) in p.iter().enumerate().filter(|(_, c)| **c == b'.') {
                m.entry(&p[..i]).or_insert(Class::Tree);
            }
        }
        for (path, attr) in LEAVES {
            m.insert(path.as_bytes(), Class::Leaf(*attr));
        }
        m
    });

/// For each first byte, a bit per length (< 64) of some path in `TABLE`: most attribute paths
/// are none of ours, and this rejects them without hashing.
static SHAPES: std::sync::LazyLock<[u64; 256]> = std::sync::LazyLock::new(|| {
    let mut t = [0u64; 256];
    for p in TABLE.keys() {
        if let Some(&c) = p.first() {
            t[usize::from(c)] |= 1u64 << p.len().min(63);
        }
    }
    t
});

/// Classifies an attribute path for the index.
pub fn classify(path: &[u8]) -> Class {
    let Some(&first) = path.first() else {
        return Class::Skip;
    };
    if SHAPES[usize::from(first)] >> path.len().min(63) & 1 == 1
        && let Some(c) = TABLE.get(path)
    {
        return *c;
    }
    if first != b'l' {
        return Class::Skip;
    }
    // LiteLLM's raw request span: llm.<provider>.metadata, a Python-literal or JSON string.
    let Some(rest) = path.strip_prefix(b"llm.") else {
        return Class::Skip;
    };
    let mut parts = rest.splitn(3, |&c| c == b'.');
    let provider = parts.next().unwrap_or_default();
    if LLM_FIELDS.contains(&provider) {
        return Class::Skip;
    }
    match (parts.next(), parts.next()) {
        (None, _) | (Some(b"metadata"), None) => Class::Tree,
        (Some(b"metadata"), Some(b"user_id")) => {
            Class::Leaf(Attr::Session(SessionKey::ProviderMetadata))
        }
        _ => Class::Skip,
    }
}

/// A Claude Code user id taken apart: the session, and the user (device or `user_<hash>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaudeIdentity<'a> {
    pub session: Cow<'a, str>,
    pub user: Option<Cow<'a, str>>,
}

/// Reads a Claude Code `metadata.user_id` as LiteLLM forwards it.
///
/// Legacy: `user_<hash>_account_<uuid or empty>_session_<uuid>`. Claude Code ≥ 2.1.78: a JSON
/// string `{"device_id", "account_uuid", "session_id"}` (parsed as JSON first, so the key name
/// `session_id` is never mistaken for a value).
pub fn parse_claude_user_id(s: &str) -> Option<ClaudeIdentity<'_>> {
    let s = s.trim();
    if s.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(s).ok()?;
        let get = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|x| !x.is_empty())
        };
        let session = Cow::Owned(get("session_id")?.to_owned());
        let user = get("device_id")
            .or_else(|| get("account_uuid"))
            .map(|u| Cow::Owned(u.to_owned()));
        return Some(ClaudeIdentity { session, user });
    }
    // A searcher built once (`str::find` sets one up on every call).
    static ACCOUNT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"_account_"));
    // The session: what follows the last `_session_`, letters, digits and dashes only. Those
    // cannot hold the `_` that ends `_session_`, so the last `_session_` is the one right
    // before the run of them the id ends with, or there is none that names a session.
    let bytes = s.as_bytes();
    let run = bytes
        .iter()
        .rev()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'-')
        .count();
    let at = bytes.len() - run;
    if run == 0 || !bytes[..at].ends_with(b"_session_") {
        return None;
    }
    let session = &s[at..];
    let user = s
        .strip_prefix("user_")
        .and_then(|r| ACCOUNT.find(r.as_bytes()).map(|end| &r[..end]))
        .filter(|u| !u.is_empty())
        .map(Cow::Borrowed);
    Some(ClaudeIdentity {
        session: Cow::Borrowed(session),
        user,
    })
}

/// A legacy Claude Code user id as written in the file (no escapes), taken apart without
/// decoding the whole of it: `(session, user)` when it is `user_<user>_account_…_session_<id>`
/// with a user that begins and ends with a printable ASCII character. `None` for anything else, which
/// [`parse_claude_user_id`] then reads: where this gives an answer, it is that function's answer
/// on the decoded value (its `user` always set), and the user passes through
/// [`parse_claude_user_id_strict`] and `trim` unchanged.
pub fn parse_claude_user_id_plain(raw: &[u8]) -> Option<(&str, &str)> {
    static ACCOUNT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"_account_"));
    let rest = raw.strip_prefix(b"user_")?;
    // The session: after the last `_`, letters, digits and dashes only (checked without an
    // early exit, so the loop is vectorised).
    let last = memchr::memrchr(b'_', raw)?;
    let session = raw.get(last + 1..)?;
    let id_byte = |c: u8| c.is_ascii_alphanumeric() | (c == b'-');
    if session.is_empty()
        || !session.iter().fold(true, |ok, &c| ok & id_byte(c))
        || !raw[..=last].ends_with(b"_session_")
    {
        return None;
    }
    let user = &rest[..ACCOUNT.find(rest)?];
    // It holds no `_account_` (the first one ends it), so it is no Claude Code user id itself;
    // ASCII and not blank at both ends, `trim` keeps it whole.
    let plain = |c: &u8| c.is_ascii_graphic();
    if !user.first().is_some_and(plain) || !user.last().is_some_and(plain) {
        return None;
    }
    Some((
        std::str::from_utf8(session).ok()?,
        std::str::from_utf8(user).ok()?,
    ))
}

/// Like [`parse_claude_user_id`], but only for values that are unmistakably Claude Code user ids
/// (`user_…_account_…_session_…`, or JSON with `session_id` and `device_id`): some proxies
/// copy the whole user id into `session.id` or `user.id`.
pub fn parse_claude_user_id_strict(s: &str) -> Option<ClaudeIdentity<'_>> {
    let t = s.trim();
    let shaped = if t.starts_with('{') {
        t.contains("\"session_id\"") && t.contains("\"device_id\"")
    } else {
        t.starts_with("user_") && t.contains("_account_") && t.contains("_session_")
    };
    if shaped {
        parse_claude_user_id(t)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The session the old reading found: after the last `_session_`, if only letters, digits
    /// and dashes follow.
    fn session_by_rfind(s: &str) -> Option<&str> {
        let s = s.trim();
        if s.starts_with('{') {
            return None;
        }
        let session = &s[s.rfind("_session_")? + "_session_".len()..];
        (!session.is_empty()
            && session
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-'))
        .then_some(session)
    }

    #[test]
    fn session_found_as_the_last_marker_finds_it() {
        let pieces = [
            "_session_",
            "_account_",
            "user_",
            "_",
            "-",
            "a",
            "Z",
            "7",
            ".",
            "é",
            " ",
            "session",
            "_sess",
            "ion_",
        ];
        let mut rng = crate::testing::XorShift(0x1234_5678_9abc_def1);
        let mut found = 0;
        for _ in 0..50_000 {
            let s: String = (0..rng.below(9))
                .map(|_| pieces[rng.below(pieces.len() as u64) as usize])
                .collect();
            let got = parse_claude_user_id(&s).map(|id| id.session.into_owned());
            assert_eq!(got.as_deref(), session_by_rfind(&s), "{s:?}");
            found += usize::from(got.is_some());
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn session_keys_in_priority_order() {
        let keys = [
            "session.id",
            "gen_ai.conversation.id",
            "langfuse.session.id",
            "mlflow.trace.session",
            "session_id",
            "openinference.session.id",
            "langsmith.metadata.session_id",
            "langsmith.metadata.thread_id",
            "langsmith.metadata.conversation_id",
            "ai.telemetry.metadata.sessionId",
            "traceloop.association.properties.session_id",
            "metadata.user_api_key_end_user_id",
            "metadata.requester_metadata.user_id",
            "llm.anthropic.metadata.user_id",
        ];
        let ranks: Vec<SessionKey> = keys
            .iter()
            .map(|k| match classify(k.as_bytes()) {
                Class::Leaf(Attr::Session(s)) => s,
                other => panic!("{k}: {other:?}"),
            })
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
    }

    #[test]
    fn prefixes_descend_and_noise_is_skipped() {
        for p in [
            "metadata",
            "llm",
            "llm.anthropic",
            "llm.anthropic.metadata",
            "gen_ai",
            "session",
        ] {
            assert_eq!(classify(p.as_bytes()), Class::Tree, "{p}");
        }
        for p in [
            "input.value",
            "llm.input_messages",
            "llm.anthropic.messages",
            "llm.invocation_parameters",
            "langsmith.trace.session_id",
            "tag.tags",
        ] {
            assert_eq!(classify(p.as_bytes()), Class::Skip, "{p}");
        }
    }

    #[test]
    fn claude_code_legacy_user_id() {
        let id = parse_claude_user_id(
            "user_c7b2c60f_account_044546ee-9e43-480c-a055-b862ea4b6641_session_3dabe418-63d9-4f8c-8198-6e76035342db",
        )
        .unwrap();
        assert_eq!(id.session, "3dabe418-63d9-4f8c-8198-6e76035342db");
        assert_eq!(id.user.as_deref(), Some("c7b2c60f"));
        let empty_account = parse_claude_user_id("user_ab_account__session_s1").unwrap();
        assert_eq!(empty_account.session, "s1");
        assert_eq!(empty_account.user.as_deref(), Some("ab"));
    }

    #[test]
    fn claude_code_json_user_id() {
        let id = parse_claude_user_id(
            r#"{"device_id":"d3v","account_uuid":"","session_id":"5e55-10n"}"#,
        )
        .unwrap();
        assert_eq!(
            id,
            ClaudeIdentity {
                session: "5e55-10n".into(),
                user: Some("d3v".into())
            }
        );
    }

    #[test]
    fn strict_form_needs_the_whole_shape() {
        assert!(parse_claude_user_id_strict("user_ab_account__session_s1").is_some());
        assert!(parse_claude_user_id_strict("my_session_5").is_none());
        assert!(parse_claude_user_id_strict(r#"{"session_id":"x"}"#).is_none());
    }

    #[test]
    fn plain_user_ids_are_not_sessions() {
        assert_eq!(parse_claude_user_id("alice"), None);
        assert_eq!(parse_claude_user_id(r#"{"device_id":"x"}"#), None);
        assert_eq!(parse_claude_user_id("user_x_session_"), None);
    }

    /// Values made of the pieces a user id is made of, the odd byte between them.
    fn user_id_like() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just(b"user_".to_vec()),
            Just(b"_account_".to_vec()),
            Just(b"_session_".to_vec()),
            Just(b"3f1fb6e1-11cc".to_vec()),
            Just(b"00ab".to_vec()),
            Just(b"_".to_vec()),
            Just(b" ".to_vec()),
            Just("\u{3000}".as_bytes().to_vec()),
            Just("é".as_bytes().to_vec()),
            Just(vec![0xff]),
            Just(b"{".to_vec()),
            any::<u8>().prop_map(|c| vec![c]),
        ];
        let pieces = |n| prop::collection::vec(piece.clone(), 0..n).prop_map(|p| p.concat());
        // Mostly the legacy form's frame around them, sometimes not.
        (
            pieces(2),
            pieces(3),
            pieces(3),
            pieces(3),
            pieces(2),
            any::<u8>(),
        )
            .prop_map(|(before, user, account, session, after, frame)| {
                let mark = |m: &[u8], bit: u8| if frame & bit == 0 { m.to_vec() } else { vec![] };
                [
                    if frame & 1 == 0 { vec![] } else { before },
                    mark(b"user_", 2),
                    user,
                    mark(b"_account_", 4),
                    account,
                    mark(b"_session_", 8),
                    session,
                    if frame & 16 == 0 { vec![] } else { after },
                ]
                .concat()
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// Where the read of the bytes as written answers, it is the whole read's answer on
        /// the value as decoded, with a user that the strict read and `trim` leave as it is.
        #[test]
        fn plain_read_is_the_decoded_read(raw in user_id_like()) {
            let decoded = String::from_utf8_lossy(&raw);
            if let Some((session, user)) = parse_claude_user_id_plain(&raw) {
                let whole = parse_claude_user_id(&decoded);
                proptest::prop_assert_eq!(
                    whole,
                    Some(ClaudeIdentity {
                        session: Cow::Borrowed(session),
                        user: Some(Cow::Borrowed(user)),
                    })
                );
                proptest::prop_assert_eq!(parse_claude_user_id_strict(user), None);
                proptest::prop_assert_eq!(user.trim(), user);
            }
        }
    }

    #[test]
    fn plain_read_takes_the_legacy_form() {
        let raw = b"user_00ab_account_3f1f-11_session_3f1fb6e1-11cc";
        assert_eq!(
            parse_claude_user_id_plain(raw),
            Some(("3f1fb6e1-11cc", "00ab"))
        );
        assert_eq!(
            parse_claude_user_id_plain(b" user_a_account__session_b"),
            None
        );
        assert_eq!(
            parse_claude_user_id_plain(b"user_a_account__session_b "),
            None
        );
        assert_eq!(
            parse_claude_user_id_plain(b"user_ a_account__session_b"),
            None
        );
        assert_eq!(
            parse_claude_user_id_plain(b"user__account__session_b"),
            None
        );
        assert_eq!(
            parse_claude_user_id_plain(b"user_a_account__session_"),
            None
        );
    }
}
