//! Reading EC2's XML answers: `<xSet><item>…</item></xSet>` lists, text fields and
//! `tagSet`s. A body that is not XML is an error naming the call, never a panic.

use aws_core::error::{Error, Result};
use roxmltree::{Document, Node};

/// Each `<item>` directly under the top-level `<{set}>`, mapped by `f`. A missing set
/// is an empty list (EC2 omits empty sets in some answers).
pub fn items<T>(body: &str, set: &str, f: impl Fn(Node) -> T) -> Result<Vec<T>> {
    let doc = Document::parse(body).map_err(|e| {
        Error::Failed(format!(
            "EC2 answered with something that is not XML ({e}); is the endpoint EC2?"
        ))
    })?;
    let root = doc.root_element();
    let Some(list) = root.children().find(|n| n.has_tag_name(set)) else {
        return Ok(Vec::new());
    };
    Ok(list
        .children()
        .filter(|n| n.has_tag_name("item"))
        .map(f)
        .collect())
}

/// Each `<{item}>` directly under the first `<{list}>` anywhere in the answer (the
/// `<XResult><List><member>` shape of RDS, ELBv2 and CloudWatch).
pub fn members<T>(body: &str, list: &str, item: &str, f: impl Fn(Node) -> T) -> Result<Vec<T>> {
    let doc = Document::parse(body).map_err(|e| {
        Error::Failed(format!(
            "the service answered with something that is not XML ({e}); is the endpoint AWS?"
        ))
    })?;
    let Some(list) = doc.descendants().find(|n| n.has_tag_name(list)) else {
        return Ok(Vec::new());
    };
    Ok(list
        .children()
        .filter(|n| n.has_tag_name(item))
        .map(f)
        .collect())
}

/// The text of the first `<{name}>` anywhere in the answer (a `Marker`), if not empty.
pub fn find_text(body: &str, name: &str) -> Option<String> {
    let doc = Document::parse(body).ok()?;
    doc.descendants()
        .find(|n| n.has_tag_name(name))
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The top-level `nextToken` of a paged answer.
pub fn next_token(body: &str) -> Option<String> {
    let doc = Document::parse(body).ok()?;
    let root = doc.root_element();
    root.children()
        .find(|n| n.has_tag_name("nextToken"))
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

/// The trimmed text of a child element; empty when absent.
pub fn text(node: Node, name: &str) -> String {
    opt(node, name).unwrap_or_default()
}

/// The trimmed text of a child element; `None` when absent or empty.
pub fn opt(node: Node, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|c| c.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// `<tagSet><item><key/><value/></item></tagSet>` as a map.
pub fn tags(node: Node) -> crate::ec2::Tags {
    child(node, "tagSet")
        .into_iter()
        .flat_map(|set| set.children().filter(|c| c.has_tag_name("item")))
        .map(|item| {
            (
                child(item, "key")
                    .and_then(|k| k.text())
                    .unwrap_or_default()
                    .to_string(),
                child(item, "value")
                    .and_then(|v| v.text())
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOLUMES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <volumeSet>
    <item>
      <volumeId>vol-1</volumeId><size>8</size><status>available</status>
      <attachmentSet/>
      <tagSet><item><key>project</key><value>fft</value></item>
              <item><key>empty</key><value/></item></tagSet>
    </item>
    <item><volumeId>vol-2</volumeId></item>
  </volumeSet>
  <nextToken>abc</nextToken>
</DescribeVolumesResponse>"#;

    #[test]
    fn lists_fields_tags_and_tokens_are_read() {
        let got = items(VOLUMES, "volumeSet", |n| {
            (text(n, "volumeId"), opt(n, "size"), tags(n))
        })
        .expect("xml");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "vol-1");
        assert_eq!(got[0].1.as_deref(), Some("8"));
        assert_eq!(got[0].2["project"], "fft");
        assert_eq!(got[0].2["empty"], "");
        assert_eq!(got[1].1, None);
        assert!(got[1].2.is_empty());
        assert_eq!(next_token(VOLUMES).as_deref(), Some("abc"));
    }

    #[test]
    fn member_lists_and_markers_are_found_at_any_depth() {
        let body = "<DescribeDBInstancesResponse><DescribeDBInstancesResult><Marker>m2</Marker>\
                    <DBInstances><DBInstance><Engine>postgres</Engine></DBInstance>\
                    <DBInstance><Engine>mysql</Engine></DBInstance></DBInstances>\
                    </DescribeDBInstancesResult></DescribeDBInstancesResponse>";
        let engines =
            members(body, "DBInstances", "DBInstance", |n| text(n, "Engine")).expect("xml");
        assert_eq!(engines, ["postgres", "mysql"]);
        assert_eq!(find_text(body, "Marker").as_deref(), Some("m2"));
        assert_eq!(find_text(body, "NextMarker"), None);
        assert!(
            members("<R/>", "DBInstances", "DBInstance", |n| text(n, "x"))
                .expect("xml")
                .is_empty()
        );
        assert!(members("<R", "DBInstances", "DBInstance", |n| text(n, "x")).is_err());
    }

    #[test]
    fn a_missing_set_is_empty_and_garbage_is_an_error() {
        let none = items("<R><other/></R>", "volumeSet", |n| text(n, "x")).expect("xml");
        assert!(none.is_empty());
        assert!(items("<html", "volumeSet", |n| text(n, "x")).is_err());
        assert_eq!(next_token("<R><nextToken/></R>"), None);
    }
}
