//! The registry of the Rust target's transports: the [`Transport`] a user names (CLI
//! `--rust-transport`, the build.rs `Builder`, the attribute macro's options) and, for each,
//! the `TransportCode` that writes its module. Names and display names come from each
//! transport's own `TransportCode` (`module`, `title`), so the CLI and the service orchestrator
//! never match on a transport: adding one is its module and one line of the list below.

use super::transport::TransportCode;

/// Makes the [`Transport`] enum from the list, with [`Transport::ALL`] and the code generator
/// of each.
macro_rules! transports {
    ($( $(#[$doc:meta])* $variant:ident => $code:expr, )+) => {
        /// The transports the Rust target can generate code for.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Transport {
            $( $(#[$doc])* $variant, )+
        }

        impl Transport {
            /// Every transport, in the order the CLI lists them.
            pub const ALL: &'static [Transport] = &[$(Transport::$variant),+];

            /// What writes this transport's module in a service's module.
            pub(crate) fn code(self) -> &'static dyn TransportCode {
                match self {
                    $( Transport::$variant => &$code, )+
                }
            }
        }
    };
}

transports! {
    /// axum skeletons and reqwest proxies for the `@http` operations.
    Rest => super::rest::Rest,
    /// Message-broker skeletons, proxies, subscribers and publishers for the `@channel`
    /// operations and the channels a service publishes or subscribes to.
    Messaging => super::messaging::Messaging,
    /// tonic skeletons and proxies for every operation the `.proto` declares an rpc for.
    Grpc => super::grpc::Grpc,
}

impl Transport {
    /// The transport's name: its module in a service's module and its name on the command line
    /// (`rest`, `messaging`, `grpc`).
    pub fn name(self) -> &'static str {
        self.code().module()
    }

    /// The transport `name` names (see [`Transport::name`]); surrounding spaces are ignored.
    pub fn from_name(name: &str) -> Option<Transport> {
        let name = name.trim();
        Self::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// How prose names it: "over gRPC", "over REST", "over messaging".
    pub fn display_name(self) -> &'static str {
        self.code().title()
    }

    /// Every name, for messages: "rest, messaging or grpc".
    pub fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|t| t.name()).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl std::fmt::Display for Transport {
    /// The display name ("gRPC").
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

impl std::str::FromStr for Transport {
    type Err = String;

    /// [`Transport::from_name`], with the message a command line shows.
    fn from_str(name: &str) -> Result<Self, String> {
        Transport::from_name(name).ok_or_else(|| {
            format!(
                "unknown transport `{}` (expected {})",
                name.trim(),
                Transport::names()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Transport;

    #[test]
    fn every_transport_is_found_by_its_name_and_named_for_prose() {
        for &t in Transport::ALL {
            assert_eq!(Transport::from_name(t.name()), Some(t));
            assert_eq!(format!(" {} ", t.name()).parse::<Transport>(), Ok(t));
        }
        let names: Vec<_> = Transport::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(names, ["rest", "messaging", "grpc"]);
        assert_eq!(Transport::Grpc.display_name(), "gRPC");
        assert_eq!(Transport::Rest.to_string(), "REST");
        assert_eq!(Transport::from_name("GRPC"), None);
        assert_eq!(
            "kafka".parse::<Transport>(),
            Err("unknown transport `kafka` (expected rest, messaging or grpc)".to_owned())
        );
    }
}
