#![allow(dead_code)]
//! Helpers shared by the integration tests: tiny settings so every training is quick.

use aen::config::Settings;
use aen::groups::GroupSet;

/// Embedded MNIST, preset 2, tiny splits and one epoch per child.
pub fn tiny_settings() -> Settings {
    let mut s = Settings::default();
    s.data.source = "embedded".into();
    s.data.groups = GroupSet::preset(2).unwrap();
    s.child.epochs = 1;
    s.child.train_size = 300;
    s.child.val_size = 200;
    s.child.test_size = 200;
    s.search.episode_len = 10;
    s.search.max_models = 40;
    s.search.q_batch = 16;
    s
}

pub fn aen_bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_aen"))
}
