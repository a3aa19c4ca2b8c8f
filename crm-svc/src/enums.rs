//! Closed sets of values stored as TEXT (with a CHECK constraint in the migrations). Reading an
//! unknown value from the database is an error, never a silent default.

use diesel::{
    backend::Backend,
    deserialize::{self, FromSql},
    serialize::{self, Output, ToSql},
    sql_types::Text,
};

/// The error of parsing one of these enums from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?} (expected one of: {expected})")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident ($kind:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(UnknownValue {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: concat!($($text, " "),*).trim_ascii_end(),
                    }),
                }
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                Ok(String::from_sql(bytes)?.parse::<$name>()?)
            }
        }
    };
}

text_enum! {
    /// Where a customer is in the funnel.
    CustomerStatus ("customer status") {
        Lead = "lead",
        Active = "active",
        Inactive = "inactive",
    }
}

text_enum! {
    /// How a customer got into the CRM.
    CustomerSource ("customer source") {
        Manual = "manual",
        Call = "call",
        Whatsapp = "whatsapp",
        Import = "import",
    }
}

text_enum! {
    /// Where the AI agent talks with a customer.
    AgentChannel ("agent channel") {
        Call = "call",
        Whatsapp = "whatsapp",
    }
}

text_enum! {
    /// Where an inbox conversation stands.
    ConversationState ("conversation state") {
        Open = "open",
        /// The agent handed it to a person (or staff put it back there).
        WaitingForHuman = "waiting_for_human",
        Done = "done",
    }
}

text_enum! {
    /// What a staff member may do.
    UserRole ("user role") {
        Owner = "owner",
        Admin = "admin",
        Agent = "agent",
        ReadOnly = "read_only",
    }
}

text_enum! {
    InvoiceStatus ("invoice status") {
        Draft = "draft",
        Sent = "sent",
        Paid = "paid",
        Cancelled = "cancelled",
    }
}

text_enum! {
    ContractStatus ("contract status") {
        Draft = "draft",
        Sent = "sent",
        Signed = "signed",
    }
}

text_enum! {
    ProposalStatus ("proposal status") {
        Draft = "draft",
        Sent = "sent",
        Accepted = "accepted",
        Rejected = "rejected",
        Expired = "expired",
    }
}

text_enum! {
    /// Whether a call's recording has been transcribed.
    TranscriptStatus ("transcript status") {
        Pending = "pending",
        Done = "done",
        Failed = "failed",
        None = "none",
    }
}

text_enum! {
    /// How a business's calls run. `Automatic` (stored as `''`) leaves it to voice-svc: realtime
    /// when it has a realtime engine configured, else record.
    VoiceMode ("voice mode") {
        /// Twilio Media Streams: the agent talks live and can be interrupted.
        Realtime = "realtime",
        /// The record/answer loop, one turn after the other.
        Record = "record",
        Automatic = "",
    }
}

text_enum! {
    /// What an invoice row is in Israeli bookkeeping; each type has its own sequence.
    DocType ("document type") {
        /// חשבונית מס
        TaxInvoice = "tax_invoice",
        /// חשבונית מס/קבלה: an invoice paid on the spot.
        TaxInvoiceReceipt = "tax_invoice_receipt",
        /// קבלה: a payment received (no VAT of its own).
        Receipt = "receipt",
        /// חשבונית זיכוי: corrects an issued tax invoice (or invoice-receipt).
        CreditNote = "credit_note",
    }
}

text_enum! {
    /// How a receipt was paid.
    PaymentMethod ("payment method") {
        Cash = "cash",
        Cheque = "cheque",
        BankTransfer = "bank_transfer",
        CreditCard = "credit_card",
        Bit = "bit",
        Paybox = "paybox",
    }
}

text_enum! {
    /// A business's VAT registration.
    VatStatus ("VAT status") {
        /// עוסק מורשה: charges VAT and issues tax invoices.
        Licensed = "licensed",
        /// עוסק פטור: charges no VAT.
        Exempt = "exempt",
    }
}

text_enum! {
    /// Where a document's allocation number (מספר הקצאה) from the Tax Authority stands.
    AllocationStatus ("allocation status") {
        /// Issued; the number was not received yet (not connected, or the Authority unreachable).
        Awaiting = "awaiting",
        /// The Authority gave the number.
        Allocated = "allocated",
        /// The Authority refused; its reason is stored.
        Refused = "refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_unknown_values_name_the_choices() {
        for s in CustomerStatus::ALL {
            assert_eq!(s.as_str().parse::<CustomerStatus>(), Ok(*s));
        }
        assert_eq!(UserRole::ReadOnly.as_str(), "read_only");
        let err = "vip".parse::<CustomerStatus>().unwrap_err();
        assert_eq!(err.expected, "lead active inactive");
        assert_eq!(
            serde_json::to_string(&UserRole::ReadOnly).unwrap(),
            "\"read_only\""
        );
    }

    #[test]
    fn voice_mode_automatic_is_the_empty_column_value() {
        for m in VoiceMode::ALL {
            assert_eq!(m.as_str().parse::<VoiceMode>(), Ok(*m));
        }
        assert_eq!(VoiceMode::Automatic.as_str(), "");
        let err = "live".parse::<VoiceMode>().unwrap_err();
        assert_eq!(err.expected, "realtime record");
    }
}
