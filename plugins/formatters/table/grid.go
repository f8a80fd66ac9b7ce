package table

import "strings"

// Tables are drawn with Unicode box-drawing characters, as Trivy has drawn its tables since
// it moved to aquasecurity/table (v0.30, 2022): users of either tool read the same shapes,
// the lines join without gaps, and the output is UTF-8 anyway, since package names, paths
// and the "…" of truncated cells are. ASCII tables (+---+) were Trivy's older style.
const (
	boxH = "─"
	boxV = "│"
)

// column describes one column of a grid.
type column struct {
	title string
	// max is the widest a cell may be, in terminal columns; longer ones are cut with "…".
	max int
	// keepTail cuts long cells at the start instead of the end (paths).
	keepTail bool
	// paint returns the ANSI colour of a cell, or "" for none.
	paint func(cell string) string
}

// grid is a table whose column widths come from its content.
type grid struct {
	cols  []column
	cells []string // row after row, len(cols) cells each, already cut to fit
	width []int
}

func newGrid(cols []column, rows int) *grid {
	g := &grid{cols: cols, cells: make([]string, 0, rows*len(cols)), width: make([]int, len(cols))}
	for i, c := range cols {
		g.width[i] = width(c.title)
	}
	return g
}

// add appends a row; its cells are cleaned and cut here, once.
func (g *grid) add(cells ...string) {
	for i, s := range cells {
		c := cell(s, g.cols[i].max, g.cols[i].keepTail)
		g.width[i] = max(g.width[i], width(c))
		g.cells = append(g.cells, c)
	}
}

func (g *grid) write(p *printer) {
	p.rule("┌", "┬", "┐", g.width)
	p.str(boxV)
	for i, c := range g.cols {
		p.str(" ")
		p.paint(bold, c.title)
		p.pad(g.width[i] - width(c.title))
		p.str(" " + boxV)
	}
	p.str("\n")
	p.rule("├", "┼", "┤", g.width)
	n := len(g.cols)
	for row := 0; row < len(g.cells); row += n {
		p.str(boxV)
		for i, s := range g.cells[row : row+n] {
			p.str(" ")
			if paint := g.cols[i].paint; paint != nil {
				p.paint(paint(s), s)
			} else {
				p.str(s)
			}
			p.pad(g.width[i] - width(s))
			p.str(" " + boxV)
		}
		p.str("\n")
	}
	p.rule("└", "┴", "┘", g.width)
}

// rule draws a horizontal line of the table.
func (p *printer) rule(left, mid, right string, widths []int) {
	p.str(left)
	for i, w := range widths {
		if i > 0 {
			p.str(mid)
		}
		p.str(strings.Repeat(boxH, w+2))
	}
	p.str(right + "\n")
}
