//! The AWS services more than one tool reads, wrapped once (the AWS SDK examples'
//! pattern): each module sits behind a cargo feature, lists through
//! [`crate::paging::all`], counts every request in the session's counter and returns
//! plain records. A tool keeps only the calls no other tool makes.

#[cfg(feature = "ecr")]
pub mod ecr;
#[cfg(feature = "ecs")]
pub mod ecs;
#[cfg(feature = "logs")]
pub mod logs;
