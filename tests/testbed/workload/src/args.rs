//! A tiny `--flag value` parser: the guest binary carries no dependencies.

use std::str::FromStr;

/// Parsed `--name value` pairs and bare `--switch`es.
#[derive(Debug)]
pub struct Args {
    pairs: Vec<(String, Option<String>)>,
}

impl Args {
    /// Parse `argv`; `switches` are flags that take no value.
    pub fn parse(argv: &[String], switches: &[&str]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut it = argv.iter();
        while let Some(a) = it.next() {
            let name = a
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument `{a}`"))?;
            if switches.contains(&name) {
                pairs.push((name.to_string(), None));
            } else {
                let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                pairs.push((name.to_string(), Some(v.clone())));
            }
        }
        Ok(Self { pairs })
    }

    /// Whether the switch `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// The value of `--name`, parsed, or `default` when absent.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.raw(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: cannot parse `{v}`")),
        }
    }

    /// The value of `--name`, which must be present.
    pub fn need(&self, name: &str) -> Result<String, String> {
        self.raw(name)
            .map(str::to_string)
            .ok_or_else(|| format!("--{name} is required"))
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}
