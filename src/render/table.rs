//! Plain aligned columns, the shape of `git branch -v` and `docker ps`.

/// Formats rows under a header, columns separated by two spaces; the last column is
/// not padded.
pub(crate) fn format_table(header: &[String], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate().take(columns) {
            line.push_str(cell);
            if index + 1 < columns {
                let pad = widths[index] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let table = format_table(
            &["A".into(), "BB".into(), "C".into()],
            &[vec!["xxx".into(), "y".into(), "z".into()]],
        );
        assert_eq!(table, "A    BB  C\nxxx  y   z\n");
    }
}
