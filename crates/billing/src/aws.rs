//! The adapter: the only code of this crate that calls AWS through the SDK (`cargo
//! xtask tidy` checks it). Cost Explorer, Budgets and the Free Tier API are global
//! services answered in us-east-1, whatever the region of the environment.

use crate::alerts::{Alert, AlertKind, Budget, Subscriber, Wanted};
use crate::freetier::{Offer, Plan};
use crate::ledger::Entry;
use aws_core::services::{ecs::Ecs, logs::Logs};
use aws_core::session::{RequestCounter, Session};
use aws_core::{Error, Result};
use aws_sdk_budgets::types as bt;
use aws_sdk_costexplorer::types as ct;
use jiff::civil::Date;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where Cost Explorer, Budgets and the Free Tier API answer.
const BILLING_REGION: &str = "us-east-1";

pub struct Aws {
    /// The shared ECS listings.
    shared: Ecs,
    shared_logs: Logs,
    ecs: aws_sdk_ecs::Client,
    ce: aws_sdk_costexplorer::Client,
    budgets: aws_sdk_budgets::Client,
    freetier: aws_sdk_freetier::Client,
    counter: RequestCounter,
    /// Cost Explorer requests: each is billed.
    ce_calls: AtomicU32,
}

/// What one Cost Explorer read returned.
pub struct CostPages {
    pub entries: Vec<Entry>,
    pub pages: u32,
    /// The first day Cost Explorer marked as estimated (not final).
    pub estimated_from: Option<Date>,
}

fn date(s: &str, what: &str) -> Result<Date> {
    s.parse().map_err(|_| {
        Error::Failed(format!(
            "Cost Explorer returned {what} {s:?}, which is not a date"
        ))
    })
}

fn period(start: Date, end: Date) -> Result<ct::DateInterval> {
    ct::DateInterval::builder()
        .start(start.to_string())
        .end(end.to_string())
        .build()
        .map_err(|e| Error::Failed(e.to_string()))
}

fn dimension(key: &str) -> ct::GroupDefinition {
    ct::GroupDefinition::builder()
        .r#type(ct::GroupDefinitionType::Dimension)
        .key(key)
        .build()
}

fn filter(key: ct::Dimension, value: &str) -> ct::Expression {
    ct::Expression::builder()
        .dimensions(
            ct::DimensionValues::builder()
                .key(key)
                .values(value)
                .build(),
        )
        .build()
}

/// An amount in USD that is a plausible figure (the cache's bound), else an error.
fn dollars(metric: &ct::MetricValue) -> Result<f64> {
    let unit = metric.unit.as_deref().unwrap_or("USD");
    if unit != "USD" {
        return Err(Error::Failed(format!(
            "Cost Explorer reports {unit}, not USD; these tools price in USD only"
        )));
    }
    let amount = metric.amount.as_deref().unwrap_or("0");
    amount
        .parse()
        .ok()
        .filter(|v: &f64| crate::cache::plausible(*v))
        .ok_or_else(|| {
            Error::Failed(format!(
                "Cost Explorer returned the amount {amount:?}, which is not a plausible figure in USD"
            ))
        })
}

/// Billed Cost Explorer pages one read may take ($0.01 each). The read (DAILY x
/// SERVICE x RECORD_TYPE over two months) is a handful of pages; a server that keeps
/// paging past this costs at most $0.20, not $100.
pub const MAX_BILLED_PAGES: usize = 20;

impl Aws {
    pub fn new(session: &Session) -> Aws {
        let sdk = session.sdk();
        let shared = Ecs::new(session);
        let region = aws_sdk_costexplorer::config::Region::new(BILLING_REGION);
        let ce = aws_sdk_costexplorer::config::Builder::from(sdk)
            .region(region.clone())
            .build();
        let budgets = aws_sdk_budgets::config::Builder::from(sdk)
            .region(region.clone())
            .build();
        let freetier = aws_sdk_freetier::config::Builder::from(sdk)
            .region(region)
            .build();
        Aws {
            ecs: shared.client().clone(),
            shared,
            shared_logs: Logs::new(session),
            ce: aws_sdk_costexplorer::Client::from_conf(ce),
            budgets: aws_sdk_budgets::Client::from_conf(budgets),
            freetier: aws_sdk_freetier::Client::from_conf(freetier),
            counter: session.counter(),
            ce_calls: AtomicU32::new(0),
        }
    }

    /// Billed Cost Explorer requests this process made.
    pub fn billed_calls(&self) -> u32 {
        self.ce_calls.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.counter.count();
    }

    /// Daily unblended cost of `[start, end)`, by SERVICE and RECORD_TYPE: every page
    /// (each one billed), at most [`MAX_BILLED_PAGES`].
    pub async fn cost_and_usage(&self, start: Date, end: Date) -> Result<CostPages> {
        let mut entries = Vec::new();
        let mut estimated_from: Option<Date> = None;
        // Every page is a billed request: bounded by what a real answer needs.
        let mut pages = aws_core::paging::Pages::with_limit(MAX_BILLED_PAGES);
        let mut token: Option<String> = None;
        let mut count = 0;
        loop {
            self.count();
            self.ce_calls.fetch_add(1, Ordering::Relaxed);
            count += 1;
            let out = self
                .ce
                .get_cost_and_usage()
                .time_period(period(start, end)?)
                .granularity(ct::Granularity::Daily)
                .metrics("UnblendedCost")
                .group_by(dimension("SERVICE"))
                .group_by(dimension("RECORD_TYPE"))
                .set_next_page_token(token.clone())
                .send()
                .await
                .map_err(|e| Error::from_sdk("ce:GetCostAndUsage", e))?;
            for r in out.results_by_time.unwrap_or_default() {
                let day = date(
                    r.time_period.as_ref().map_or("", |p| p.start.as_str()),
                    "a day",
                )?;
                if r.estimated {
                    estimated_from = Some(estimated_from.map_or(day, |d| d.min(day)));
                }
                for g in r.groups.unwrap_or_default() {
                    let keys = g.keys.unwrap_or_default();
                    let (Some(service), Some(record_type)) = (keys.first(), keys.get(1)) else {
                        continue;
                    };
                    let Some(metric) = g.metrics.as_ref().and_then(|m| m.get("UnblendedCost"))
                    else {
                        continue;
                    };
                    let usd = dollars(metric)?;
                    entries.push(Entry {
                        date: day,
                        service: service.clone(),
                        record_type: record_type.clone(),
                        usd,
                    });
                }
            }
            token = pages.next("ce:GetCostAndUsage", out.next_page_token)?;
            if token.is_none() {
                return Ok(CostPages {
                    entries,
                    pages: count,
                    estimated_from,
                });
            }
        }
    }

    /// One month of usage in `region` by SERVICE and USAGE_TYPE (cost and quantity),
    /// usage records only (no credits, refunds or tax): the bill `cost-monitor
    /// --reconcile` compares with the estimate. Every page billed, at most
    /// [`MAX_BILLED_PAGES`].
    pub async fn usage_by_type(
        &self,
        start: Date,
        end: Date,
        region: &str,
    ) -> Result<Vec<cost_engine::reconcile::BilledRow>> {
        let mut rows = Vec::new();
        let mut pages = aws_core::paging::Pages::with_limit(MAX_BILLED_PAGES);
        let mut token: Option<String> = None;
        let only = ct::Expression::builder()
            .and(filter(ct::Dimension::Region, region))
            .and(filter(ct::Dimension::RecordType, "Usage"))
            .build();
        loop {
            self.count();
            self.ce_calls.fetch_add(1, Ordering::Relaxed);
            let out = self
                .ce
                .get_cost_and_usage()
                .time_period(period(start, end)?)
                .granularity(ct::Granularity::Monthly)
                .metrics("UnblendedCost")
                .metrics("UsageQuantity")
                .filter(only.clone())
                .group_by(dimension("SERVICE"))
                .group_by(dimension("USAGE_TYPE"))
                .set_next_page_token(token.clone())
                .send()
                .await
                .map_err(|e| Error::from_sdk("ce:GetCostAndUsage", e))?;
            for r in out.results_by_time.unwrap_or_default() {
                for g in r.groups.unwrap_or_default() {
                    let keys = g.keys.unwrap_or_default();
                    let (Some(service), Some(usage_type)) = (keys.first(), keys.get(1)) else {
                        continue;
                    };
                    let metrics = g.metrics.unwrap_or_default();
                    let Some(cost) = metrics.get("UnblendedCost") else {
                        continue;
                    };
                    let usd = dollars(cost)?;
                    let (quantity, unit) = match metrics.get("UsageQuantity") {
                        Some(q) => (
                            q.amount
                                .as_deref()
                                .and_then(|a| a.parse::<f64>().ok())
                                .filter(|v| v.is_finite() && *v >= 0.0)
                                .unwrap_or(0.0),
                            q.unit.clone().unwrap_or_default(),
                        ),
                        None => (0.0, String::new()),
                    };
                    rows.push(cost_engine::reconcile::BilledRow {
                        service: aws_core::output::escape_control(service),
                        usage_type: aws_core::output::escape_control(usage_type),
                        usd,
                        quantity,
                        unit: aws_core::output::escape_control(&unit),
                    });
                }
            }
            token = pages.next("ce:GetCostAndUsage", out.next_page_token)?;
            if token.is_none() {
                return Ok(rows);
            }
        }
    }

    /// Cost Explorer's own forecast of `[start, end)` (one more billed request).
    pub async fn cost_forecast(&self, start: Date, end: Date) -> Result<f64> {
        self.count();
        self.ce_calls.fetch_add(1, Ordering::Relaxed);
        let out = self
            .ce
            .get_cost_forecast()
            .time_period(
                ct::DateInterval::builder()
                    .start(start.to_string())
                    .end(end.to_string())
                    .build()
                    .map_err(|e| Error::Failed(e.to_string()))?,
            )
            .granularity(ct::Granularity::Monthly)
            .metric(ct::Metric::UnblendedCost)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ce:GetCostForecast", e))?;
        let amount = out.total.and_then(|t| t.amount).unwrap_or_default();
        amount.parse().map_err(|_| {
            Error::Failed(format!("Cost Explorer forecast {amount:?} is not a number"))
        })
    }

    pub async fn account_plan(&self) -> Result<Plan> {
        self.count();
        let out = self
            .freetier
            .get_account_plan_state()
            .send()
            .await
            .map_err(|e| Error::from_sdk("freetier:GetAccountPlanState", e))?;
        let credits = match out.account_plan_remaining_credits {
            Some(c) if c.unit.as_str() == "USD" => Some(c.amount),
            Some(c) => {
                return Err(Error::Failed(format!(
                    "the Free Tier API reports credits in {}, not USD",
                    c.unit.as_str()
                )));
            }
            None => None,
        };
        let expires = out
            .account_plan_expiration_date
            .and_then(|d| jiff::Timestamp::from_second(d.secs()).ok())
            .map(|t| jiff::tz::Offset::UTC.to_datetime(t).date());
        Ok(Plan {
            plan_type: out.account_plan_type.as_str().to_string(),
            status: out.account_plan_status.as_str().to_string(),
            remaining_credits_usd: credits,
            expires,
        })
    }

    pub async fn free_tier_usage(&self) -> Result<Vec<Offer>> {
        let mut out = Vec::new();
        let mut pages = aws_core::paging::Pages::new();
        let mut token: Option<String> = None;
        loop {
            self.count();
            let page = self
                .freetier
                .get_free_tier_usage()
                .set_next_token(token.clone())
                .max_results(1000)
                .send()
                .await
                .map_err(|e| Error::from_sdk("freetier:GetFreeTierUsage", e))?;
            for u in page.free_tier_usages {
                out.push(Offer {
                    service: u.service.unwrap_or_default(),
                    usage_type: u.usage_type.unwrap_or_default(),
                    description: u.description.unwrap_or_default(),
                    unit: u.unit.unwrap_or_default(),
                    free_tier_type: u.free_tier_type.unwrap_or_default(),
                    used: u.actual_usage_amount,
                    forecast: u.forecasted_usage_amount,
                    limit: u.limit,
                });
            }
            token = pages.next("freetier:GetFreeTierUsage", page.next_token)?;
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// Every budget of the account; with `with_alerts`, also its alerts and their
    /// subscribers (two more requests per budget, so only when they are needed).
    pub async fn budgets(&self, account: &str, with_alerts: bool) -> Result<Vec<Budget>> {
        let mut raw = Vec::new();
        let mut pages = aws_core::paging::Pages::new();
        let mut token: Option<String> = None;
        loop {
            self.count();
            let page = self
                .budgets
                .describe_budgets()
                .account_id(account)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| Error::from_sdk("budgets:ViewBudget", e))?;
            raw.extend(page.budgets.unwrap_or_default());
            token = pages.next("budgets:DescribeBudgets", page.next_token)?;
            if token.is_none() {
                break;
            }
        }
        let mut out = Vec::new();
        for b in raw {
            let money = |s: Option<&bt::Spend>| s.and_then(|s| s.amount.parse::<f64>().ok());
            let mut alerts = Vec::new();
            if with_alerts {
                alerts = self.alerts(account, &b.budget_name).await?;
            }
            out.push(Budget {
                limit_usd: money(b.budget_limit.as_ref()),
                limit_unit: b.budget_limit.as_ref().map(|l| l.unit.clone()),
                actual_usd: money(
                    b.calculated_spend
                        .as_ref()
                        .and_then(|c| c.actual_spend.as_ref()),
                ),
                forecast_usd: money(
                    b.calculated_spend
                        .as_ref()
                        .and_then(|c| c.forecasted_spend.as_ref()),
                ),
                time_unit: b.time_unit.as_str().to_string(),
                budget_type: b.budget_type.as_str().to_string(),
                name: b.budget_name,
                alerts,
            });
        }
        Ok(out)
    }

    /// A budget's "greater than N %" alerts and their subscribers.
    async fn alerts(&self, account: &str, name: &str) -> Result<Vec<(Alert, Vec<Subscriber>)>> {
        let mut alerts = Vec::new();
        self.count();
        let notes = self
            .budgets
            .describe_notifications_for_budget()
            .account_id(account)
            .budget_name(name)
            .send()
            .await
            .map_err(|e| Error::from_sdk("budgets:ViewBudget", e))?;
        for n in notes.notifications.unwrap_or_default() {
            let Some(alert) = alert_of(&n) else { continue };
            self.count();
            let subs = self
                .budgets
                .describe_subscribers_for_notification()
                .account_id(account)
                .budget_name(name)
                .notification(n.clone())
                .send()
                .await
                .map_err(|e| Error::from_sdk("budgets:ViewBudget", e))?;
            let subscribers = subs
                .subscribers
                .unwrap_or_default()
                .into_iter()
                .map(|s| match s.subscription_type {
                    bt::SubscriptionType::Sns => Subscriber::Sns(s.address),
                    _ => Subscriber::Email(s.address),
                })
                .collect();
            alerts.push((alert, subscribers));
        }
        Ok(alerts)
    }

    pub async fn create_budget(&self, account: &str, w: &Wanted) -> Result<()> {
        self.count();
        let mut req = self
            .budgets
            .create_budget()
            .account_id(account)
            .budget(budget_of(w)?);
        for a in &w.alerts {
            req = req.notifications_with_subscribers(
                bt::NotificationWithSubscribers::builder()
                    .notification(notification_of(a)?)
                    .set_subscribers(Some(subscribers_of(&w.subscribers)?))
                    .build()
                    .map_err(|e| Error::Failed(e.to_string()))?,
            );
        }
        req.send()
            .await
            .map_err(|e| Error::from_sdk("budgets:ModifyBudget", e))?;
        Ok(())
    }

    pub async fn set_limit(&self, account: &str, w: &Wanted) -> Result<()> {
        self.count();
        self.budgets
            .update_budget()
            .account_id(account)
            .new_budget(budget_of(w)?)
            .send()
            .await
            .map_err(|e| Error::from_sdk("budgets:ModifyBudget", e))?;
        Ok(())
    }

    pub async fn add_alert(
        &self,
        account: &str,
        name: &str,
        alert: &Alert,
        subscribers: &[Subscriber],
    ) -> Result<()> {
        self.count();
        self.budgets
            .create_notification()
            .account_id(account)
            .budget_name(name)
            .notification(notification_of(alert)?)
            .set_subscribers(Some(subscribers_of(subscribers)?))
            .send()
            .await
            .map_err(|e| Error::from_sdk("budgets:ModifyBudget", e))?;
        Ok(())
    }

    pub async fn add_subscriber(
        &self,
        account: &str,
        name: &str,
        alert: &Alert,
        subscriber: &Subscriber,
    ) -> Result<()> {
        self.count();
        let subscriber = subscribers_of(std::slice::from_ref(subscriber))?.remove(0);
        self.budgets
            .create_subscriber()
            .account_id(account)
            .budget_name(name)
            .notification(notification_of(alert)?)
            .subscriber(subscriber)
            .send()
            .await
            .map_err(|e| Error::from_sdk("budgets:ModifyBudget", e))?;
        Ok(())
    }
}

/// A cluster and its Container Insights setting (`enabled`, `enhanced`, `disabled`).
pub struct ClusterInsights {
    pub name: String,
    pub setting: Option<String>,
}

impl Aws {
    /// Every cluster of the region with its Container Insights setting.
    pub async fn cluster_insights(&self) -> Result<Vec<ClusterInsights>> {
        let arns = self.shared.cluster_arns().await?;
        let mut out = Vec::new();
        for chunk in arns.chunks(100) {
            self.count();
            let d = self
                .ecs
                .describe_clusters()
                .set_clusters(Some(chunk.to_vec()))
                .include(aws_sdk_ecs::types::ClusterField::Settings)
                .send()
                .await
                .map_err(|e| Error::from_sdk("ecs:DescribeClusters", e))?;
            for c in d.clusters.unwrap_or_default() {
                let setting = c
                    .settings
                    .unwrap_or_default()
                    .into_iter()
                    .find(|s| {
                        s.name
                            .as_ref()
                            .is_some_and(|n| n.as_str() == "containerInsights")
                    })
                    .and_then(|s| s.value);
                out.push(ClusterInsights {
                    name: c.cluster_name.unwrap_or_default(),
                    setting,
                });
            }
        }
        Ok(out)
    }

    /// The account's default Container Insights setting for new clusters.
    pub async fn insights_default(&self) -> Result<Option<String>> {
        self.count();
        let out = self
            .ecs
            .list_account_settings()
            .name(aws_sdk_ecs::types::SettingName::ContainerInsights)
            .effective_settings(true)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:ListAccountSettings", e))?;
        Ok(out
            .settings
            .unwrap_or_default()
            .into_iter()
            .find_map(|s| s.value))
    }

    /// Log groups that keep logs forever, with their stored bytes.
    pub async fn log_groups_without_retention(&self) -> Result<Vec<(String, Option<u64>)>> {
        Ok(self
            .shared_logs
            .log_groups(None)
            .await?
            .into_iter()
            .filter(|g| g.retention_days.is_none())
            .map(|g| (g.name, g.stored_bytes))
            .collect())
    }
}

fn alert_of(n: &bt::Notification) -> Option<Alert> {
    let kind = match n.notification_type {
        bt::NotificationType::Actual => AlertKind::Actual,
        bt::NotificationType::Forecasted => AlertKind::Forecasted,
        _ => return None,
    };
    // Only "greater than N %" alerts are the kind this tool manages.
    let percent = n
        .threshold_type
        .as_ref()
        .is_none_or(|t| *t == bt::ThresholdType::Percentage);
    (percent && n.comparison_operator == bt::ComparisonOperator::GreaterThan).then_some(Alert {
        kind,
        threshold_percent: n.threshold,
    })
}

fn budget_of(w: &Wanted) -> Result<bt::Budget> {
    bt::Budget::builder()
        .budget_name(&w.name)
        .budget_type(bt::BudgetType::Cost)
        .time_unit(bt::TimeUnit::Monthly)
        .budget_limit(
            bt::Spend::builder()
                .amount(format!("{:.2}", w.limit_usd))
                .unit("USD")
                .build()
                .map_err(|e| Error::Failed(e.to_string()))?,
        )
        .build()
        .map_err(|e| Error::Failed(e.to_string()))
}

fn notification_of(a: &Alert) -> Result<bt::Notification> {
    bt::Notification::builder()
        .notification_type(match a.kind {
            AlertKind::Actual => bt::NotificationType::Actual,
            AlertKind::Forecasted => bt::NotificationType::Forecasted,
        })
        .comparison_operator(bt::ComparisonOperator::GreaterThan)
        .threshold(a.threshold_percent)
        .threshold_type(bt::ThresholdType::Percentage)
        .build()
        .map_err(|e| Error::Failed(e.to_string()))
}

fn subscribers_of(subs: &[Subscriber]) -> Result<Vec<bt::Subscriber>> {
    subs.iter()
        .map(|s| {
            let (kind, address) = match s {
                Subscriber::Email(a) => (bt::SubscriptionType::Email, a),
                Subscriber::Sns(a) => (bt::SubscriptionType::Sns, a),
            };
            bt::Subscriber::builder()
                .subscription_type(kind)
                .address(address)
                .build()
                .map_err(|e| Error::Failed(e.to_string()))
        })
        .collect()
}
