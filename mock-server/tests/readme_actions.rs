//! The README's action table is generated from the code: this test renders
//! it and compares it with the section between the markers, and rewrites
//! that section when `UPDATE_README=1` is set.

use std::path::Path;

use compshare_mock::fixtures::Fixtures;
use compshare_mock::support::{listing, markdown};

const START: &str = "<!-- actions:start -->";
const END: &str = "<!-- actions:end -->";

#[test]
fn the_readme_lists_the_support_level_of_every_action() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let want = markdown(&listing(&Fixtures::builtin().responses));
    let (before, rest) = readme
        .split_once(START)
        .unwrap_or_else(|| panic!("README.md has no {START} marker"));
    let (current, after) = rest
        .split_once(END)
        .unwrap_or_else(|| panic!("README.md has no {END} marker after {START}"));
    if current == want {
        return;
    }
    if std::env::var("UPDATE_README").as_deref() == Ok("1") {
        std::fs::write(&path, format!("{before}{START}{want}{END}{after}"))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let first_difference = current
        .lines()
        .zip(want.lines())
        .find(|(have, should)| have != should)
        .map(|(have, should)| format!("README has:   {have}\ncode renders: {should}"))
        .unwrap_or_else(|| {
            format!(
                "README has {} lines, code renders {}",
                current.lines().count(),
                want.lines().count()
            )
        });
    panic!(
        "README.md's action table (between {START} and {END}) is out of date.\n\
         {first_difference}\n\
         Rewrite it with: UPDATE_README=1 cargo test -p mock-server --test readme_actions"
    );
}
