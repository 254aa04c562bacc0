//! Charts for the terminal: a sparkline per service and a bar per day with the daily
//! share of the budget marked, so a glance shows the month's shape.

use cost_engine::estimate::usd;
use jiff::civil::Date;

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per value, scaled to the largest; a zero day is the lowest bar.
pub fn sparkline(values: &[f64]) -> String {
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            if max <= 0.0 || !v.is_finite() || *v <= 0.0 {
                LEVELS[0]
            } else {
                let i = ((v / max) * (LEVELS.len() - 1) as f64).round() as usize;
                LEVELS[i.min(LEVELS.len() - 1)]
            }
        })
        .collect()
}

/// A bar per day, `width` columns for the largest of the days and the budget line;
/// `|` marks the daily share of the budget (budget / days in the month).
pub fn daily_bars(days: &[(Date, f64)], daily_budget: Option<f64>, width: usize) -> String {
    let max = days
        .iter()
        .map(|(_, v)| *v)
        .chain(daily_budget)
        .fold(0.0_f64, f64::max);
    let scale = |v: f64| -> usize {
        if max <= 0.0 || !v.is_finite() || v <= 0.0 {
            0
        } else {
            ((v / max) * width as f64).round() as usize
        }
    };
    let mark = daily_budget.map(scale);
    let mut out = String::new();
    for (date, v) in days {
        let n = scale(*v);
        let mut bar: Vec<char> = (0..width.max(mark.unwrap_or(0) + 1))
            .map(|i| if i < n { '█' } else { ' ' })
            .collect();
        if let Some(m) = mark
            && m < bar.len()
        {
            bar[m] = if m < n { '┃' } else { '|' };
        }
        let bar: String = bar.into_iter().collect::<String>().trim_end().to_string();
        out.push_str(&format!(
            "{} {:<w$} {}\n",
            date.strftime("%m-%d"),
            bar,
            usd(*v),
            w = width + 1
        ));
    }
    if let Some(b) = daily_budget {
        out.push_str(&format!("      | = budget per day ({})\n", usd(b)));
    }
    out
}

/// The monthly report's chart: daily gross and net cost as two lines, an SVG document.
pub fn svg_daily(
    gross: &[(Date, f64)],
    net: &[(Date, f64)],
    title: &str,
) -> Result<String, String> {
    use plotters::prelude::*;
    let top = gross
        .iter()
        .chain(net)
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        .max(0.01)
        * 1.1;
    let bottom = net
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::min);
    let days = u32::try_from(gross.len().max(net.len()).max(1)).unwrap_or(31);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (800, 320)).into_drawing_area();
        let e = |e: &dyn std::fmt::Display| format!("cannot draw the chart: {e}");
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(1u32..days, bottom..top)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("day of the month")
            .y_desc("USD")
            .y_label_formatter(&|v| format!("{v:.2}"))
            .draw()
            .map_err(|x| e(&x))?;
        let line = |series: &[(Date, f64)]| -> Vec<(u32, f64)> {
            series
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|(d, v)| (u32::try_from(d.day()).unwrap_or(1), *v))
                .collect()
        };
        chart
            .draw_series(LineSeries::new(line(gross), RED.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label("gross (usage)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
        chart
            .draw_series(LineSeries::new(line(net), BLUE.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label("net (after credits)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn sparklines_scale_to_the_largest_value() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 4.0]), "▁▃▅█");
        assert_eq!(sparkline(&[0.0, 0.0]), "▁▁");
        assert_eq!(sparkline(&[f64::NAN, 1.0]), "▁█");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn the_svg_chart_has_both_lines_and_a_title() {
        let gross = [
            (date(2026, 11, 1), 1.0),
            (date(2026, 11, 2), 2.0),
            (date(2026, 11, 3), f64::NAN),
        ];
        let net = [(date(2026, 11, 1), 0.0), (date(2026, 11, 2), -0.5)];
        let svg = svg_daily(&gross, &net, "November 2026").expect("drawn");
        assert!(svg.starts_with("<svg"));
        assert!(
            svg.contains("November 2026")
                && svg.contains("gross (usage)")
                && svg.contains("net (after credits)")
        );
        assert!(svg.matches("<polyline").count() >= 2, "{svg}");
        assert!(
            svg_daily(&[], &[], "empty")
                .expect("empty month")
                .starts_with("<svg")
        );
    }

    #[test]
    fn bars_mark_the_daily_budget() {
        let days = [(date(2026, 11, 1), 1.0), (date(2026, 11, 2), 0.25)];
        let text = daily_bars(&days, Some(0.5), 8);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "11-01 ████┃███  $1.00");
        assert_eq!(lines[1], "11-02 ██  |     $0.25");
        assert!(lines[2].contains("budget per day ($0.50)"));
        assert_eq!(daily_bars(&days, None, 4).lines().count(), 2);
    }
}
