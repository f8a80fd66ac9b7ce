package yamlblocks

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// describe lists the documents of data, each block as "line:first key" and the children of
// a block whose key is "big" as "[line:key ...]".
func describe(data string) string {
	var out []string
	for d := range Documents([]byte(data)) {
		var doc []string
		for b := range d.Entries() {
			if key, children, ok := b.Children(); ok && key.Value == "big" {
				var cs []string
				for c := range children {
					cs = append(cs, node(c))
				}
				doc = append(doc, fmt.Sprintf("%d:big[%s]", key.Line, strings.Join(cs, " ")))
				continue
			}
			doc = append(doc, node(b))
		}
		out = append(out, strings.Join(doc, " "))
	}
	return strings.Join(out, " | ")
}

func node(b Block) string {
	root, err := b.Parse()
	if err != nil {
		return "error(" + err.Error() + ")"
	}
	if root == nil {
		return "nil"
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Sprintf("%d:kind%d", root.Line, root.Kind)
	}
	var keys []string
	for i := 0; i < len(root.Content); i += 2 {
		keys = append(keys, fmt.Sprintf("%d:%s", root.Content[i].Line, root.Content[i].Value))
	}
	return strings.Join(keys, ",")
}

func TestDocuments(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a: 1\nb:\n  c: 2\n\n# x\nd: 3\n", "1:a 2:b 6:d"},
		{"big:\n  x: 1\n  y:\n    z: 2\n\n  w: 3\nafter: 1\n", "1:big[2:x 3:y 6:w] 7:after"},
		// An indentless sequence and explicit keys continue their entry.
		{"a:\n- 1\n- 2\n? b\n: 3\n", "1:a 4:b"},
		{"big:\n- 1\n", "1:big"},
		{"big:\n  - 1\n", "1:big"},
		{"big: {x: 1}\n", "1:big"},
		// Documents.
		{"---\na: 1\n---\nb: 2\n...\n---\n# only a comment\n---\nc: 3\n", "2:a | 4:b | 9:c"},
		{"%YAML 1.2\n---\na: 1\n", "3:a"},
		{"--- {a: 1}\n", "1:a"},
		// Flow style is one block.
		{"{\n\"a\": 1,\n\"b\": 2\n}\n", "2:a,3:b"},
		{"- a\n- b\n", "1:kind2"},
		{"plain text\n", "1:kind8"},
		{"", ""},
		{"# c\n\n", ""},
		// Errors carry the document's line.
		{"a: 1\nb: [\nc: 3\n", "1:a error(line 2: did not find expected node content) 3:c"},
		{"big:\n  x: 1\n  y: *nope\n", "1:big[2:x error(line 3: unknown anchor 'nope' referenced)]"},
		// A tab where indentation should be is the entry's problem, not the section's.
		{"big:\n  x: 1\n\ty: 2\n  z: 3\n", "1:big[error(line 3: found a tab character that violates indentation) 4:z]"},
		{"a: 1\r\nb: 2\r\n", "1:a 2:b"},
	} {
		if got := describe(tt.in); got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestMaxBlock(t *testing.T) {
	data := "a: [" + strings.Repeat("1,", MaxBlock/2) + "]\n"
	for d := range Documents([]byte(data)) {
		if _, err := d.Parse(); err == nil || !strings.Contains(err.Error(), "read at once") {
			t.Errorf("got %v", err)
		}
	}
}
