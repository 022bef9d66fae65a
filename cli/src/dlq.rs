//! `accord dlq`: the dead letters of a channel on a running broker (`<address>.dlq`), listed,
//! shown and replayed through the runtime's `accord::messaging::DeadLetters` (`docs/wire.md`,
//! "Dead letters: list, show, replay"). Everything a dead letter holds was written by whoever
//! sent the message, so it is printed escaped.

use accord::messaging::{BrokerConfig, DeadLetter, DeadLetters, Pick};
use base64::Engine as _;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct DlqArgs {
    #[command(subcommand)]
    pub command: DlqCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum DlqCommand {
    /// List a channel's dead letters, oldest first: position, message_id, message_type,
    /// attempts and error.
    List {
        #[command(flatten)]
        target: Target,
        /// Show at most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// `text` (one line each) or `json` (every header and the payload).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show one dead letter: every header and the payload.
    Show {
        #[command(flatten)]
        target: Target,
        /// Its `message_id`.
        #[arg(value_name = "MESSAGE_ID")]
        message_id: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Publish dead letters to their channel again (same message_id, without `error` and
    /// `attempts`) and remove them from the dead letters.
    Replay {
        #[command(flatten)]
        target: Target,
        /// The `message_id` of the one to replay.
        #[arg(
            value_name = "MESSAGE_ID",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        message_id: Option<String>,
        /// Replay every dead letter of the channel.
        #[arg(long)]
        all: bool,
    },
}

/// Which broker and channel.
#[derive(clap::Args, Debug)]
pub struct Target {
    /// The channel's address (`ftgo.kitchen.commands`); its `.dlq` may be written or not.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The broker: `nats://host:port` or `amqp://user:pass@host:port/vhost`.
    #[arg(long, value_name = "URL")]
    pub broker: String,
    /// How long to wait for the broker, per operation, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: &DlqArgs) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(dispatch(&args.command)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {}", crate::output::escaped(&message));
            ExitCode::from(2)
        }
    }
}

async fn dispatch(command: &DlqCommand) -> Result<ExitCode, String> {
    match command {
        DlqCommand::List {
            target,
            limit,
            format,
        } => {
            let letters = connect(target).await?;
            let listed = letters
                .list(&target.address, *limit)
                .await
                .map_err(|e| e.to_string())?;
            match format {
                Format::Text => listed.iter().for_each(|l| println!("{}", line(l))),
                Format::Json => {
                    let all: Vec<_> = listed.iter().map(json).collect();
                    println!("{}", serde_json::to_string_pretty(&all).expect("JSON"));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DlqCommand::Show {
            target,
            message_id,
            format,
        } => {
            let letters = connect(target).await?;
            let found = letters
                .find(&target.address, message_id)
                .await
                .map_err(|e| e.to_string())?;
            let Some(letter) = found else {
                let message = format!("no dead letter `{message_id}` on `{}`", target.address);
                eprintln!("error: {}", crate::output::escaped(&message));
                return Ok(ExitCode::FAILURE);
            };
            match format {
                Format::Text => print!("{}", details(&letter)),
                Format::Json => {
                    let text = serde_json::to_string_pretty(&json(&letter)).expect("JSON");
                    println!("{text}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DlqCommand::Replay {
            target,
            message_id,
            all,
        } => {
            let pick = match (message_id, all) {
                (Some(id), false) => Pick::Id(id.clone()),
                _ => Pick::All,
            };
            let letters = connect(target).await?;
            let replayed = letters
                .replay(&target.address, &pick)
                .await
                .map_err(|e| e.to_string())?;
            for id in &replayed {
                println!("replayed {}", crate::output::escaped(id));
            }
            if replayed.is_empty() && matches!(pick, Pick::Id(_)) {
                let message = format!(
                    "no dead letter `{}` on `{}`",
                    message_id.as_deref().unwrap_or_default(),
                    target.address
                );
                eprintln!("error: {}", crate::output::escaped(&message));
                return Ok(ExitCode::FAILURE);
            }
            eprintln!("{} replayed", replayed.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn connect(target: &Target) -> Result<DeadLetters, String> {
    let config = BrokerConfig {
        // A command line tool: one try, then say why.
        connect_attempts: 1,
        operation_timeout: Duration::from_secs(target.timeout.max(1)),
        ..BrokerConfig::default()
    };
    DeadLetters::connect(&target.broker, config)
        .await
        .map_err(|e| e.to_string())
}

/// One line of `list`.
fn line(letter: &DeadLetter) -> String {
    let m = &letter.message;
    let attempts = letter
        .attempts()
        .map_or_else(|| "-".to_owned(), |n| n.to_string());
    let text = format!(
        "{:>6}  {}  {}  attempts={attempts}  error={}",
        letter.position,
        m.message_id,
        m.message_type,
        letter.error().unwrap_or("-")
    );
    crate::output::escaped(&text)
}

/// `show`'s text: the headers, one per line, then the payload.
fn details(letter: &DeadLetter) -> String {
    let mut text = format!("position: {}\n", letter.position);
    for (name, value) in letter.message.header_pairs() {
        text.push_str(&format!("{name}: {value}\n"));
    }
    match std::str::from_utf8(&letter.message.payload) {
        Ok(payload) => text.push_str(&format!("\n{payload}\n")),
        Err(_) => text.push_str(&format!("\n(base64) {}\n", base64(&letter.message.payload))),
    }
    crate::output::escaped(&text)
}

/// A dead letter as JSON: every header by name, the payload as text (or base64 when it is
/// not UTF-8, under `payload_base64`).
fn json(letter: &DeadLetter) -> serde_json::Value {
    let headers: serde_json::Map<String, serde_json::Value> = letter
        .message
        .header_pairs()
        .map(|(n, v)| (n.to_owned(), v.into()))
        .collect();
    let mut value = serde_json::json!({
        "position": letter.position,
        "message_id": letter.message.message_id,
        "message_type": letter.message.message_type,
        "error": letter.error(),
        "attempts": letter.attempts(),
        "headers": headers,
    });
    match std::str::from_utf8(&letter.message.payload) {
        Ok(text) => value["payload"] = text.into(),
        Err(_) => value["payload_base64"] = base64(&letter.message.payload).into(),
    }
    value
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
