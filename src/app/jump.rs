//! Jumping to the next thing of a kind (an error, a turn, a match), wrapping at the ends and
//! saying so: `e` at the last error goes to the first and the status line tells it.

/// Where a jump landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jump {
    /// The next one, without passing an end.
    To(usize),
    /// Past an end, round to the other.
    Wrapped(usize),
    /// The only one, already selected.
    Only(usize),
    /// There is none.
    Nothing,
}

impl Jump {
    /// The index landed on, if any.
    pub fn index(self) -> Option<usize> {
        match self {
            Jump::To(i) | Jump::Wrapped(i) | Jump::Only(i) => Some(i),
            Jump::Nothing => None,
        }
    }

    /// What the status line says about it: `last error; wrapped to the first`, `the only
    /// error`, or `none` (the caller's words for there being nothing); nothing for a plain
    /// move.
    pub fn say(self, what: &str, forward: bool, none: &str) -> Option<String> {
        match self {
            Jump::To(_) => None,
            Jump::Wrapped(_) if forward => Some(format!("last {what}; wrapped to the first")),
            Jump::Wrapped(_) => Some(format!("first {what}; wrapped to the last")),
            Jump::Only(_) => Some(format!("the only {what}")),
            Jump::Nothing => Some(none.to_owned()),
        }
    }
}

/// The next index after `from` (or before it, going back) among `0..len` for which `hit`
/// holds, wrapping round. `from` may be `len` or more (nothing selected yet): going forward then
/// starts at 0 without counting as a wrap.
pub fn find(len: usize, from: usize, forward: bool, hit: impl Fn(usize) -> bool) -> Jump {
    if len == 0 {
        return Jump::Nothing;
    }
    if from >= len {
        return match forward {
            true => (0..len).find(|&i| hit(i)).map_or(Jump::Nothing, Jump::To),
            false => (0..len)
                .rev()
                .find(|&i| hit(i))
                .map_or(Jump::Nothing, Jump::To),
        };
    }
    let ahead = if forward {
        (from + 1..len).find(|&i| hit(i))
    } else {
        (0..from).rev().find(|&i| hit(i))
    };
    if let Some(i) = ahead {
        return Jump::To(i);
    }
    let round = if forward {
        (0..from).find(|&i| hit(i))
    } else {
        (from + 1..len).rev().find(|&i| hit(i))
    };
    match round {
        Some(i) => Jump::Wrapped(i),
        None if hit(from) => Jump::Only(from),
        None => Jump::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_wrap_and_say_so() {
        let errs = [false, true, false, true, false];
        let hit = |i: usize| errs[i];
        assert_eq!(find(5, 0, true, hit), Jump::To(1));
        assert_eq!(find(5, 1, true, hit), Jump::To(3));
        assert_eq!(find(5, 3, true, hit), Jump::Wrapped(1));
        assert_eq!(find(5, 1, false, hit), Jump::Wrapped(3));
        assert_eq!(find(5, 4, false, hit), Jump::To(3));
        assert_eq!(find(5, 9, true, hit), Jump::To(1));
        assert_eq!(find(3, 1, true, |i| i == 1), Jump::Only(1));
        assert_eq!(find(3, 0, true, |_| false), Jump::Nothing);
        assert_eq!(
            Jump::Wrapped(1).say("error", true, "no errors").as_deref(),
            Some("last error; wrapped to the first")
        );
        assert_eq!(
            Jump::Wrapped(3).say("error", false, "no errors").as_deref(),
            Some("first error; wrapped to the last")
        );
        assert_eq!(
            Jump::Nothing
                .say("error", true, "no errors in this session")
                .as_deref(),
            Some("no errors in this session")
        );
        assert_eq!(Jump::To(1).say("error", true, "x"), None);
    }
}
