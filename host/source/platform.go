package source

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Annotations that name an image in an index (OCI layout, docker save).
const (
	annotationRefName       = "org.opencontainers.image.ref.name"
	annotationContainerdRef = "io.containerd.image.name"
	annotationDockerRefType = "vnd.docker.reference.type"
)

// maxIndexDepth bounds how deep nested indexes are followed; real ones nest once or twice.
const maxIndexDepth = 4

// candidate is an image manifest found in an index.
type candidate struct {
	parent   v1.ImageIndex // the index that lists it
	desc     v1.Descriptor
	names    []string     // ref-name annotations on the way down
	platform *v1.Platform // from the descriptor, or the config once loaded
}

// selectImage chooses the image of idx to scan. A lone image is taken as is unless the user
// asked for a platform; otherwise the platform decides (and WithTag first, where images carry
// names). It returns the image and the platform known from the index, if any.
func selectImage(what string, idx v1.ImageIndex, o *options) (v1.Image, *v1.Platform, error) {
	spec, explicit, err := o.platformSpec()
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	cands := collect(idx, nil, 0, map[v1.Hash]*candidate{}, map[v1.Hash]bool{}, &errs)
	if len(cands) == 0 {
		if len(errs) > 0 {
			return nil, nil, fmt.Errorf("%s: no readable image in the index: %w", what, errors.Join(errs...))
		}
		return nil, nil, fmt.Errorf("%s: the index lists no image manifest", what)
	}

	if o.tag != "" {
		var named []*candidate
		for _, c := range cands {
			if namesMatch(c.names, o.tag) {
				named = append(named, c)
			}
		}
		if len(named) == 0 {
			return nil, nil, fmt.Errorf("%s: no image named %q; names: %s", what, o.tag, listNames(cands))
		}
		cands = named
	}

	var chosen *candidate
	if len(cands) == 1 && !explicit {
		chosen = cands[0]
	} else {
		for _, c := range cands {
			if c.platform == nil {
				// Docker and OCI layouts often leave the platform out of the descriptor;
				// the config says it.
				if img, err := c.parent.Image(c.desc.Digest); err == nil {
					if cfg, err := img.ConfigFile(); err == nil {
						c.platform = cfg.Platform()
					}
				}
			}
		}
		chosen = bestMatch(cands, spec)
		if chosen == nil {
			return nil, nil, fmt.Errorf("%s: no image for platform %s; available: %s",
				what, platformString(&spec), listPlatforms(cands))
		}
	}
	img, err := chosen.parent.Image(chosen.desc.Digest)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: image %s: %w", what, chosen.desc.Digest, err)
	}
	return img, chosen.platform, nil
}

// collect lists the image manifests reachable from idx, following nested indexes, each image
// once with all the names it goes by. Attestation manifests (buildx provenance and SBOMs,
// platform unknown/unknown) are not images to scan.
func collect(idx v1.ImageIndex, names []string, depth int, images map[v1.Hash]*candidate, indexes map[v1.Hash]bool, errs *[]error) []*candidate {
	im, err := idx.IndexManifest()
	if err != nil {
		*errs = append(*errs, err)
		return nil
	}
	var out []*candidate
	for _, d := range im.Manifests {
		n := names
		for _, k := range []string{annotationRefName, annotationContainerdRef} {
			if v := d.Annotations[k]; v != "" {
				n = append(n[:len(n):len(n)], v)
			}
		}
		switch {
		case d.MediaType.IsImage():
			if d.Annotations[annotationDockerRefType] == "attestation-manifest" ||
				(d.Platform != nil && d.Platform.OS == "unknown") {
				continue
			}
			if c := images[d.Digest]; c != nil {
				c.names = append(c.names, n...)
				continue
			}
			c := &candidate{parent: idx, desc: d, names: n, platform: d.Platform}
			images[d.Digest] = c
			out = append(out, c)
		case d.MediaType.IsIndex():
			if indexes[d.Digest] {
				continue
			}
			indexes[d.Digest] = true
			if depth+1 >= maxIndexDepth {
				*errs = append(*errs, fmt.Errorf("index %s: nested more than %d deep", d.Digest, maxIndexDepth))
				continue
			}
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				*errs = append(*errs, fmt.Errorf("index %s: %w", d.Digest, err))
				continue
			}
			out = append(out, collect(child, n, depth+1, images, indexes, errs)...)
		}
		// Anything else (signatures, artifacts, unknown media types) is not an image.
	}
	return out
}

// bestMatch returns the candidate whose platform satisfies spec, preferring the architecture's
// default variant when spec has none ("linux/arm64" means v8, "linux/arm" means v7).
func bestMatch(cands []*candidate, spec v1.Platform) *candidate {
	spec = normalizePlatform(spec)
	var first *candidate
	for _, c := range cands {
		if c.platform == nil {
			continue
		}
		p := normalizePlatform(*c.platform)
		if p.OS != spec.OS || p.Architecture != spec.Architecture {
			continue
		}
		if spec.OSVersion != "" && p.OSVersion != spec.OSVersion {
			continue
		}
		if spec.Variant != "" {
			if p.Variant == spec.Variant {
				return c
			}
			continue
		}
		if p.Variant == defaultVariant(p.Architecture) {
			return c
		}
		if first == nil {
			first = c
		}
	}
	return first
}

// normalizePlatform maps the spellings people use onto the OCI ones, as containerd does.
func normalizePlatform(p v1.Platform) v1.Platform {
	p.OS = strings.ToLower(p.OS)
	p.Architecture = strings.ToLower(p.Architecture)
	switch p.Architecture {
	case "x86_64", "x86-64":
		p.Architecture = "amd64"
	case "i386", "i686":
		p.Architecture = "386"
	case "aarch64":
		p.Architecture = "arm64"
	case "armhf":
		p.Architecture, p.Variant = "arm", "v7"
	case "armel":
		p.Architecture, p.Variant = "arm", "v6"
	}
	switch {
	case p.Architecture == "amd64" && p.Variant == "v1":
		p.Variant = ""
	case p.Architecture == "arm64" && (p.Variant == "" || p.Variant == "8"):
		p.Variant = "v8"
	case p.Architecture == "arm" && len(p.Variant) == 1:
		p.Variant = "v" + p.Variant
	}
	return p
}

func defaultVariant(arch string) string {
	switch arch {
	case "arm64":
		return "v8"
	case "arm":
		return "v7"
	}
	return ""
}

// namesMatch tells whether tag names an image annotated with names: equal strings, or equal
// references once normalised ("alpine" and "docker.io/library/alpine:latest").
func namesMatch(names []string, tag string) bool {
	want, werr := name.ParseReference(tag)
	for _, n := range names {
		if n == tag {
			return true
		}
		if werr != nil {
			continue
		}
		if have, err := name.ParseReference(n); err == nil && have.Name() == want.Name() {
			return true
		}
	}
	return false
}

func listPlatforms(cands []*candidate) string {
	var ps []string
	seen := map[string]bool{}
	for _, c := range cands {
		s := platformString(c.platform)
		if s == "" {
			s = "unknown (" + c.desc.Digest.String() + ")"
		}
		if !seen[s] {
			seen[s] = true
			ps = append(ps, s)
		}
	}
	sort.Strings(ps)
	return strings.Join(ps, ", ")
}

func listNames(cands []*candidate) string {
	var ns []string
	for _, c := range cands {
		if len(c.names) == 0 {
			ns = append(ns, "(unnamed "+c.desc.Digest.String()+")")
			continue
		}
		ns = append(ns, strings.Join(c.names, " = "))
	}
	sort.Strings(ns)
	return strings.Join(ns, ", ")
}
