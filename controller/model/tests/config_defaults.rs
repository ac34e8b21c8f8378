//! The configuration's defaults, TOML form and validation errors.

use reunion_model::{ModelError, PolicyKind, RmnConfig, MIB};

#[test]
fn defaults_are_the_thesis_values_and_valid() {
    let config = RmnConfig::default();
    assert_eq!(config.interval_s, 10);
    assert_eq!(config.history_len, 60);
    assert_eq!(config.ar_window, 12);
    assert_eq!(config.cpu_threshold, 0.85);
    assert_eq!(config.swap_write_threshold_pages_per_s, 150.0);
    assert_eq!(config.nic_threshold, 0.80);
    assert_eq!(config.mem_step_bytes, 32 * MIB);
    assert_eq!(config.epsilon, 0.01);
    assert_eq!(config.policy, PolicyKind::Idc);
    assert!(!config.dry_run);
    config.validate().expect("defaults must validate");
}

#[test]
fn empty_toml_gives_defaults_and_partial_toml_overrides() {
    let empty: RmnConfig = toml::from_str("").expect("empty table");
    assert_eq!(empty, RmnConfig::default());
    let partial: RmnConfig =
        toml::from_str("policy = \"sandpiper\"\ncpu_threshold = 0.9\ndry_run = true\n")
            .expect("partial table");
    assert_eq!(partial.policy, PolicyKind::Sandpiper);
    assert_eq!(partial.cpu_threshold, 0.9);
    assert!(partial.dry_run);
    assert_eq!(partial.history_len, 60);
}

#[test]
fn toml_round_trip_is_lossless() {
    let config = RmnConfig::default();
    let text = toml::to_string(&config).expect("serialize");
    let back: RmnConfig = toml::from_str(&text).expect("parse");
    assert_eq!(back, config);
}

#[test]
fn unknown_keys_are_rejected() {
    let err = toml::from_str::<RmnConfig>("cpu_treshold = 0.9\n").expect_err("typo must fail");
    assert!(err.to_string().contains("cpu_treshold"), "{err}");
}

#[test]
fn validation_names_the_offending_key() {
    let cases: Vec<(RmnConfig, &str)> = vec![
        (
            RmnConfig {
                cpu_threshold: 1.5,
                ..Default::default()
            },
            "cpu_threshold",
        ),
        (
            RmnConfig {
                nic_threshold: 0.0,
                ..Default::default()
            },
            "nic_threshold",
        ),
        (
            RmnConfig {
                ar_window: 2,
                ..Default::default()
            },
            "ar_window",
        ),
        (
            RmnConfig {
                history_len: 5,
                ..Default::default()
            },
            "history_len",
        ),
        (
            RmnConfig {
                epsilon: -0.1,
                ..Default::default()
            },
            "epsilon",
        ),
        (
            RmnConfig {
                nbound: f64::NAN,
                ..Default::default()
            },
            "nbound",
        ),
        (
            RmnConfig {
                mem_step_bytes: 0,
                ..Default::default()
            },
            "mem_step_bytes",
        ),
        (
            RmnConfig {
                hysteresis: 0.9,
                ..Default::default()
            },
            "hysteresis",
        ),
        (
            RmnConfig {
                max_concurrent_migrations: 0,
                ..Default::default()
            },
            "max_concurrent_migrations",
        ),
        (
            RmnConfig {
                max_migrations_per_host: 0,
                ..Default::default()
            },
            "max_migrations_per_host",
        ),
        (
            RmnConfig {
                stale_after_s: 5,
                ..Default::default()
            },
            "stale_after_s",
        ),
        (
            RmnConfig {
                interval_s: 0,
                ..Default::default()
            },
            "interval_s",
        ),
        (
            RmnConfig {
                swap_write_threshold_pages_per_s: 0.0,
                ..Default::default()
            },
            "swap_write_threshold",
        ),
        (
            RmnConfig {
                action_timeout_s: 0,
                ..Default::default()
            },
            "action_timeout_s",
        ),
        (
            RmnConfig {
                max_recorded_destinations: 0,
                ..Default::default()
            },
            "max_recorded_destinations",
        ),
    ];
    for (config, key) in cases {
        let err: ModelError = config.validate().expect_err(key);
        assert!(err.to_string().contains(key), "{key}: {err}");
    }
}
