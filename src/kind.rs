//! Span kinds and statuses, normalised across exporters.

use serde::Serialize;

/// What a span does, in OpenInference's vocabulary (MLflow and GenAI kinds mapped onto it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum Kind {
    #[default]
    Unknown = 0,
    Llm,
    Chain,
    Tool,
    Agent,
    Retriever,
    Embedding,
    Reranker,
    Guardrail,
    Evaluator,
    Prompt,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Unknown,
        Kind::Llm,
        Kind::Chain,
        Kind::Tool,
        Kind::Agent,
        Kind::Retriever,
        Kind::Embedding,
        Kind::Reranker,
        Kind::Guardrail,
        Kind::Evaluator,
        Kind::Prompt,
    ];

    pub fn from_u8(v: u8) -> Kind {
        Kind::ALL.get(usize::from(v)).copied().unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Unknown => "UNKNOWN",
            Kind::Llm => "LLM",
            Kind::Chain => "CHAIN",
            Kind::Tool => "TOOL",
            Kind::Agent => "AGENT",
            Kind::Retriever => "RETRIEVER",
            Kind::Embedding => "EMBEDDING",
            Kind::Reranker => "RERANKER",
            Kind::Guardrail => "GUARDRAIL",
            Kind::Evaluator => "EVALUATOR",
            Kind::Prompt => "PROMPT",
        }
    }

    /// Parses a kind name from OpenInference, Arize, traceAI or MLflow (any case). `None` for
    /// unknown names and for OTLP's transport kinds (`SPAN_KIND_CLIENT`, `SpanKind.CLIENT`).
    pub fn parse(s: &str) -> Option<Kind> {
        let mut buf = [0u8; 16];
        Kind::from_upper(upper(s, &mut buf)?)
    }

    /// A kind name exactly as [`Kind::parse`] reads it once trimmed and upper-cased (most
    /// exporters write it so: the scan tries this on the bytes in the file first).
    pub fn from_upper(up: &[u8]) -> Option<Kind> {
        Some(match up {
            b"LLM" | b"CHAT_MODEL" | b"GENERATION" => Kind::Llm,
            b"CHAIN" | b"WORKFLOW" | b"TASK" | b"PARSER" => Kind::Chain,
            b"TOOL" => Kind::Tool,
            b"AGENT" => Kind::Agent,
            b"RETRIEVER" | b"MEMORY" => Kind::Retriever,
            b"EMBEDDING" => Kind::Embedding,
            b"RERANKER" => Kind::Reranker,
            b"GUARDRAIL" => Kind::Guardrail,
            b"EVALUATOR" => Kind::Evaluator,
            b"PROMPT" => Kind::Prompt,
            _ => return None,
        })
    }

    /// Maps an OTel GenAI `gen_ai.operation.name` to a kind (LiteLLM's `otel` callback writes
    /// its call type there: `completion`, `anthropic_messages`, …).
    pub fn from_gen_ai_operation(s: &str) -> Option<Kind> {
        Some(match s.trim() {
            "chat" | "text_completion" | "generate_content" => Kind::Llm,
            "completion" | "acompletion" | "anthropic_messages" | "responses" | "aresponses" => {
                Kind::Llm
            }
            "embedding" | "aembedding" => Kind::Embedding,
            "execute_tool" => Kind::Tool,
            "invoke_agent" | "create_agent" => Kind::Agent,
            "embeddings" => Kind::Embedding,
            "retrieval" => Kind::Retriever,
            "invoke_workflow" => Kind::Chain,
            _ => return None,
        })
    }
}

/// Upper-cases a short trimmed name into `buf` without allocating; `None` if it is too long.
fn upper<'b>(s: &str, buf: &'b mut [u8; 16]) -> Option<&'b [u8]> {
    let s = s.trim().as_bytes();
    let out = buf.get_mut(..s.len())?;
    for (o, c) in out.iter_mut().zip(s) {
        *o = c.to_ascii_uppercase();
    }
    Some(out)
}

/// A span's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[repr(u8)]
pub enum Status {
    #[default]
    Unset = 0,
    Ok,
    Error,
}

impl Status {
    pub fn from_u8(v: u8) -> Status {
        match v {
            1 => Status::Ok,
            2 => Status::Error,
            _ => Status::Unset,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Unset => "UNSET",
            Status::Ok => "OK",
            Status::Error => "ERROR",
        }
    }

    /// Parses `OK`, `ERROR`, `UNSET`, `STATUS_CODE_ERROR`, `StatusCode.ERROR` (any case).
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        let tail = s.rsplit(['_', '.']).next().unwrap_or(s);
        let mut buf = [0u8; 16];
        Status::from_upper(upper(tail, &mut buf)?)
    }

    /// A status name exactly as [`Status::parse`] reads it once trimmed, cut to its last
    /// segment and upper-cased (as most exporters write it: the scan tries this first).
    pub fn from_upper(up: &[u8]) -> Option<Status> {
        match up {
            b"OK" => Some(Status::Ok),
            b"ERROR" => Some(Status::Error),
            b"UNSET" | b"" => Some(Status::Unset),
            _ => None,
        }
    }

    /// OTLP's numeric codes: 0 unset, 1 ok, 2 error.
    pub fn from_code(code: i128) -> Option<Status> {
        match code {
            0 => Some(Status::Unset),
            1 => Some(Status::Ok),
            2 => Some(Status::Error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For a name of capitals and underscores (what the walker reads in place), the table
    /// finds what `Kind::parse` finds, a kind or none (the walker reports that, or nothing,
    /// without parsing): every name, each with every byte changed, cut or lengthened by one,
    /// and random runs of capitals and underscores.
    #[test]
    fn capital_names_in_the_table_as_parsed() {
        let names: [&[u8]; 16] = [
            b"LLM",
            b"CHAT_MODEL",
            b"GENERATION",
            b"CHAIN",
            b"WORKFLOW",
            b"TASK",
            b"PARSER",
            b"TOOL",
            b"AGENT",
            b"RETRIEVER",
            b"MEMORY",
            b"EMBEDDING",
            b"RERANKER",
            b"GUARDRAIL",
            b"EVALUATOR",
            b"PROMPT",
        ];
        let mut tried: Vec<Vec<u8>> = Vec::new();
        for name in names {
            tried.push(name.to_vec());
            tried.push(name[..name.len() - 1].to_vec());
            tried.push([name, b"S"].concat());
            for i in 0..name.len() {
                for b in [b'A', b'_', b'a', name[i] ^ 0x20, name[i] + 1, 0] {
                    let mut n = name.to_vec();
                    n[i] = b;
                    tried.push(n);
                }
            }
        }
        let mut rng = crate::testing::XorShift(0x4b1d_0000_c0ff_ee11);
        for _ in 0..20_000 {
            let len = rng.below(16) as usize;
            tried.push(
                (0..len)
                    .map(|_| match rng.below(27) {
                        26 => b'_',
                        n => b'A' + n as u8,
                    })
                    .collect(),
            );
        }
        for t in &tried {
            if t.iter().all(|&b| b.is_ascii_uppercase() || b == b'_') {
                let text = std::str::from_utf8(t).unwrap_or_default();
                assert_eq!(Kind::from_upper(t), Kind::parse(text), "{t:?}");
            }
        }
    }

    #[test]
    fn exact_names_read_as_parsed() {
        for k in Kind::ALL {
            let name = k.label();
            assert_eq!(
                Kind::from_upper(name.as_bytes()),
                Kind::parse(name),
                "{name}"
            );
        }
        for name in ["OK", "ERROR", "UNSET", ""] {
            assert_eq!(Status::from_upper(name.as_bytes()), Status::parse(name));
        }
        assert_eq!(Kind::from_upper(b"tool"), None);
        assert_eq!(Kind::parse("tool"), Some(Kind::Tool));
    }

    #[test]
    fn kinds() {
        assert_eq!(Kind::parse("tool"), Some(Kind::Tool));
        assert_eq!(Kind::parse("CHAT_MODEL"), Some(Kind::Llm));
        assert_eq!(Kind::parse("SPAN_KIND_CLIENT"), None);
        assert_eq!(Kind::parse("SpanKind.INTERNAL"), None);
        for k in Kind::ALL {
            assert_eq!(Kind::from_u8(k as u8), k);
        }
    }

    #[test]
    fn statuses() {
        assert_eq!(Status::parse("STATUS_CODE_ERROR"), Some(Status::Error));
        assert_eq!(Status::parse("ok"), Some(Status::Ok));
        assert_eq!(Status::parse("StatusCode.UNSET"), Some(Status::Unset));
        assert_eq!(Status::from_code(2), Some(Status::Error));
    }
}
