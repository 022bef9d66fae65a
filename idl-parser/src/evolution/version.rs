//! The version verdict: the bump a package's changes require against the bump it declares, under
//! Cargo's compatibility rules (`0.y.z` shifts every level down one; `0.0.z` needs a new patch
//! number for any change; a lower version always fails; from a pre-release anything goes upward).

use super::{Change, Class};
use crate::model::Model;
use semver::Version;

/// What one version change declares, in Cargo's terms of compatibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// The version went down.
    Down,
    /// The same version.
    Same,
    /// Covers PATCH changes only.
    Patch,
    /// Covers MINOR changes.
    Minor,
    /// Covers MAJOR changes.
    Major,
}

/// The declared bump from `old` to `new`, already mapped to the class of change it allows.
pub fn declared(old: &Version, new: &Version) -> Bump {
    // Build metadata (`+build.5`) has no precedence under semver, so it is not a bump.
    match new.cmp_precedence(old) {
        std::cmp::Ordering::Less => return Bump::Down,
        std::cmp::Ordering::Equal => return Bump::Same,
        std::cmp::Ordering::Greater => {}
    }
    // Semver gives a pre-release no compatibility promise: any upward move is allowed.
    if !old.pre.is_empty() {
        return Bump::Major;
    }
    match (old.major, old.minor) {
        (0, 0) => Bump::Major,
        (0, _) if new.major > 0 || new.minor > old.minor => Bump::Major,
        (0, _) => Bump::Minor,
        _ if new.major > old.major => Bump::Major,
        _ if new.minor > old.minor => Bump::Minor,
        _ => Bump::Patch,
    }
}

/// Whether a declared bump covers changes of this class.
pub fn covers(bump: Bump, class: Class) -> bool {
    match bump {
        Bump::Down => false,
        Bump::Same => class == Class::None,
        Bump::Patch => class <= Class::Patch,
        Bump::Minor => class <= Class::Minor,
        Bump::Major => true,
    }
}

/// One package's required class against its declared versions.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub package: String,
    pub required: Class,
    pub old: Version,
    /// `None` when the package is gone from the new model (nowhere to declare a bump).
    pub new: Option<Version>,
}

impl Verdict {
    pub fn declared(&self) -> Option<Bump> {
        self.new.as_ref().map(|n| declared(&self.old, n))
    }

    pub fn ok(&self) -> bool {
        match self.declared() {
            Some(bump) => covers(bump, self.required),
            None => self.required == Class::None,
        }
    }
}

/// One verdict per package of the old model, in its order.
pub fn verdicts(old: &Model, new: &Model, changes: &[Change]) -> Vec<Verdict> {
    old.packages
        .iter()
        .map(|p| {
            let required = changes
                .iter()
                .filter(|c| c.package == p.name)
                .map(|c| c.class)
                .max()
                .unwrap_or(Class::None);
            let new = new
                .packages
                .iter()
                .find(|n| n.name == p.name)
                .map(|n| n.version.clone());
            Verdict {
                package: p.name.clone(),
                required,
                old: p.version.clone(),
                new,
            }
        })
        .collect()
}

/// The lowest version whose declared bump from `old` covers `class` (what to suggest when a bump
/// is not enough). Derived from [`declared`] and [`covers`] so it can never disagree with them.
pub fn minimum(old: &Version, class: Class) -> Version {
    if class == Class::None {
        return old.clone();
    }
    let (x, y, z) = (old.major, old.minor, old.patch);
    // From a pre-release its own release is already upward (`2.0.0-rc.1` -> `2.0.0`).
    let release = (!old.pre.is_empty()).then(|| Version::new(x, y, z));
    release
        .into_iter()
        .chain([
            Version::new(x, y, z + 1),
            Version::new(x, y + 1, 0),
            Version::new(x + 1, 0, 0),
        ])
        .find(|v| covers(declared(old, v), class))
        .unwrap_or_else(|| Version::new(x + 1, 0, 0))
}
