//! `agentlocator admin …`: creating businesses and staff accounts from the command line, for the
//! first owner of a new installation and for recovering access.

use agentlocator_common::Config;
use crm_svc::{
    businesses::{self, BusinessLookup},
    enums::UserRole,
    users::{self, NewUser},
};

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create a business (tenant).
    CreateBusiness {
        /// Display name, e.g. "מספרת רונית".
        #[arg(long)]
        name: String,
        /// Short unique id: lower-case latin letters, digits and dashes.
        #[arg(long)]
        slug: String,
    },
    /// Create a staff user of a business. Without --password a strong one is generated and
    /// printed once.
    CreateUser {
        /// The business's slug.
        #[arg(long)]
        business: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        /// owner, admin, agent or read_only.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Read the password from this environment variable instead of generating one (keeps
        /// it out of the shell history and the process list).
        #[arg(long)]
        password_env: Option<String>,
    },
}

pub async fn run(command: AdminCommand, config: &Config) -> anyhow::Result<()> {
    let db = crm_svc::connect_db(config).await?;
    match command {
        AdminCommand::CreateBusiness { name, slug } => {
            let b = businesses::create(&db, &name, &slug).await?;
            println!(
                "Business created: {} (slug {}, id {})",
                b.name,
                b.slug,
                b.id.as_str()
            );
        }
        AdminCommand::CreateUser {
            business,
            email,
            name,
            role,
            password_env,
        } => {
            let role: UserRole = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let b = businesses::get(&db, BusinessLookup::Slug(business.clone()))
                .await
                .map_err(|e| anyhow::anyhow!("business {business:?}: {e}"))?;
            let (password, generated) = match password_env {
                Some(var) => (
                    std::env::var(&var)
                        .map_err(|_| anyhow::anyhow!("environment variable {var} is not set"))?,
                    false,
                ),
                None => (generate_password(), true),
            };
            let u = users::create(
                &db,
                &b.id,
                NewUser {
                    email,
                    name,
                    role,
                    password: password.clone(),
                },
            )
            .await?;
            println!("User created: {} ({}) in {}", u.email, u.role, b.slug);
            if generated {
                println!("Password (shown once): {password}");
            }
        }
    }
    Ok(())
}

/// 20 characters from an unambiguous alphabet (~115 bits), from the OS-seeded CSPRNG.
fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
