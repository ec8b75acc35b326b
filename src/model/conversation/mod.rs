//! A session as the person lived it: the turns they typed, each with the LLM calls, tools and
//! sub-agents it caused.

pub mod messages;
pub mod text;
pub mod tools;
