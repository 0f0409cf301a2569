package sheet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

type collect struct {
	sheets []string
	rows   map[string][][]string
	nums   map[string][]int
	cur    string
}

func (c *collect) sheet(name string) error {
	if c.rows == nil {
		c.rows, c.nums = map[string][][]string{}, map[string][]int{}
	}
	c.cur = name
	c.sheets = append(c.sheets, name)
	return nil
}

func (c *collect) row(num int, cells []string) error {
	c.rows[c.cur] = append(c.rows[c.cur], cells)
	c.nums[c.cur] = append(c.nums[c.cur], num)
	return nil
}

func TestDump(t *testing.T) {
	path := os.Getenv("DUMP")
	if path == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(path)
	k := sniff(data)
	c := &collect{}
	lim := DefaultLimits()
	var err error
	switch k.format() {
	case FormatXLS:
		err = readXLS(data, lim, c)
	case FormatXLSX:
		err = readXLSX(data, lim, c)
	case FormatODS:
		err = readODS(data, k.flat, lim, c)
	case FormatCSV:
		err = readCSV(data, "csv", c)
	}
	if out := os.Getenv("DUMPJSON"); out != "" {
		m := map[string]map[int][]string{}
		for _, s := range c.sheets {
			m[s] = map[int][]string{}
			for i, r := range c.rows[s] {
				m[s][c.nums[s][i]] = r
			}
		}
		b, _ := json.Marshal(map[string]any{"err": fmt.Sprint(err), "sheets": m})
		os.WriteFile(out, b, 0o644)
		return
	}
	fmt.Println("format", k.format(), k.reason, "err", err)
	for _, s := range c.sheets {
		fmt.Printf("== %s\n", s)
		for i, r := range c.rows[s] {
			fmt.Printf("%d: %s\n", c.nums[s][i], strings.Join(r, " | "))
		}
	}
}

func TestReadDump(t *testing.T) {
	path := os.Getenv("READ")
	if path == "" {
		t.Skip()
	}
	l, err := readFile(t, path)
	fmt.Println("err:", err)
	b, _ := json.MarshalIndent(l, "", " ")
	fmt.Println(string(b))
}

func TestWriteTemplateFiles(t *testing.T) {
	dir := os.Getenv("TPLDIR")
	if dir == "" {
		t.Skip()
	}
	for _, f := range []Format{FormatXLSX, FormatODS} {
		var buf bytes.Buffer
		WriteTemplate(&buf, f, templateList(t))
		os.WriteFile(dir+"/modele."+string(f), buf.Bytes(), 0o644)
	}
}
