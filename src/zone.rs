//! The time zone times are shown in (`utc`, `local`, or an IANA name such as
//! `Europe/Paris`), and the one formatter every shown time goes through, so each says its zone:
//! `Z` in UTC, else its offset at that instant (`+01:00`, `+02:00` after a change to summer
//! time). JSON output does not come here: it stays RFC 3339 UTC.
//!
//! Zones and their rules come from `jiff` (the system's time zone database, else the copy
//! compiled in), not hand code: offsets change with daylight saving time and with the law.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    tz: TimeZone,
    /// Shown as `Z` (the `utc` setting; a zone whose offset happens to be 0 shows `+00:00`).
    utc: bool,
    name: String,
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            tz: TimeZone::UTC,
            utc: true,
            name: "utc".to_owned(),
        }
    }

    /// `utc`, `local` (the system's zone: `TZ`, else `/etc/localtime`), or an IANA name.
    pub fn parse(s: &str) -> Result<Zone, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(Zone::utc());
        }
        let tz = if s.eq_ignore_ascii_case("local") {
            TimeZone::try_system()
                .map_err(|e| format!("the system's time zone could not be found ({e})"))?
        } else {
            TimeZone::get(s).map_err(|_| {
                format!(
                    "unknown time zone {s:?} (use utc, local, or an IANA name such as \
                     Europe/Paris)"
                )
            })?
        };
        Ok(Zone {
            tz,
            utc: false,
            name: s.to_owned(),
        })
    }

    /// As it was given: `utc`, `local`, `Europe/Paris`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The wall-clock time and the zone's suffix at `ns` nanoseconds since the epoch.
    fn at(&self, ns: i64) -> Option<(DateTime, String)> {
        let ts = Timestamp::from_nanosecond(i128::from(ns)).ok()?;
        let suffix = if self.utc {
            "Z".to_owned()
        } else {
            let secs = self.tz.to_offset(ts).seconds();
            let sign = if secs < 0 { '-' } else { '+' };
            let a = secs.unsigned_abs();
            format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
        };
        Some((self.tz.to_datetime(ts), suffix))
    }

    /// `2026-11-22T03:11:33.744+01:00` (in UTC exactly [`crate::time::iso_ms`]).
    pub fn iso_ms(&self, ns: i64) -> String {
        match self.at(ns) {
            Some((d, z)) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{z}",
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second(),
                d.millisecond()
            ),
            None => crate::time::iso_ms(ns),
        }
    }

    /// `2026-11-22 03:11:33+01:00`.
    pub fn seconds(&self, ns: i64) -> String {
        match self.at(ns) {
            Some((d, z)) => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{z}",
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            ),
            None => crate::time::iso_ms(ns),
        }
    }

    /// `11-22 03:11+01:00`, for lists.
    pub fn minute(&self, ns: i64) -> String {
        match self.at(ns) {
            Some((d, z)) => format!(
                "{:02}-{:02} {:02}:{:02}{z}",
                d.month(),
                d.day(),
                d.hour(),
                d.minute()
            ),
            None => crate::time::iso_ms(ns),
        }
    }

    /// `03:11:33+01:00`, the time of day.
    pub fn clock(&self, ns: i64) -> String {
        match self.at(ns) {
            Some((d, z)) => format!("{:02}:{:02}:{:02}{z}", d.hour(), d.minute(), d.second()),
            None => crate::time::iso_ms(ns),
        }
    }

    /// The width of [`Zone::minute`] and [`Zone::clock`]'s suffix: 1 in UTC, else 6.
    pub fn suffix_width(&self) -> usize {
        if self.utc { 1 } else { 6 }
    }

    /// An RFC 3339 UTC time as written in JSON (`2026-11-22T02:11:33.744Z`) shown in this
    /// zone; as it was when it does not read as one.
    pub fn reshow(&self, rfc3339: &str) -> String {
        match crate::time::parse(rfc3339) {
            Some(ns) => self.iso_ms(ns),
            None => rfc3339.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-29T00:59:59.500Z, half a second before Europe/London and Europe/Paris move to
    /// summer time (01:00 UTC).
    const BEFORE: i64 = 1_774_745_999_500_000_000;

    #[test]
    fn utc_says_z() {
        let z = Zone::utc();
        assert_eq!(z.iso_ms(BEFORE), "2026-03-29T00:59:59.500Z");
        assert_eq!(z.iso_ms(BEFORE), crate::time::iso_ms(BEFORE));
        assert_eq!(z.seconds(BEFORE), "2026-03-29 00:59:59Z");
        assert_eq!(z.minute(BEFORE), "03-29 00:59Z");
        assert_eq!(z.clock(BEFORE), "00:59:59Z");
    }

    #[test]
    fn an_iana_zone_says_its_offset_across_a_dst_change() {
        let z = Zone::parse("Europe/Paris").expect("a zone");
        assert_eq!(z.iso_ms(BEFORE), "2026-03-29T01:59:59.500+01:00");
        assert_eq!(
            z.iso_ms(BEFORE + 1_000_000_000),
            "2026-03-29T03:00:00.500+02:00"
        );
        assert_eq!(z.clock(BEFORE + 1_000_000_000), "03:00:00+02:00");
        let ny = Zone::parse("America/New_York").expect("a zone");
        assert_eq!(ny.seconds(BEFORE), "2026-03-28 20:59:59-04:00");
        // Zero offset in a named zone is an offset, not the `utc` setting.
        let london = Zone::parse("Europe/London").expect("a zone");
        assert_eq!(london.clock(BEFORE), "00:59:59+00:00");
        assert_eq!(london.clock(BEFORE + 1_000_000_000), "02:00:00+01:00");
    }

    #[test]
    fn bad_names_are_refused() {
        let e = Zone::parse("Mars/Olympus").expect_err("no such zone");
        assert!(e.contains("unknown time zone \"Mars/Olympus\""), "{e}");
        assert_eq!(Zone::parse("UTC").map(|z| z.utc), Ok(true));
    }

    #[test]
    fn json_times_reshown() {
        let z = Zone::parse("Asia/Kolkata").expect("a zone");
        assert_eq!(
            z.reshow("2026-03-29T00:59:59.500Z"),
            "2026-03-29T06:29:59.500+05:30"
        );
        assert_eq!(z.reshow("soon"), "soon");
    }
}
