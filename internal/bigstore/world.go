package bigstore

import (
	"fmt"
	"math"
	"strings"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/internal/samples"
)

// metropole are the Métropole de Lyon's 59 communes, the first communes of every store.
var metropole = []string{
	"Lyon", "Villeurbanne", "Vénissieux", "Vaulx-en-Velin", "Saint-Priest", "Caluire-et-Cuire", "Bron",
	"Rillieux-la-Pape", "Meyzieu", "Décines-Charpieu", "Oullins-Pierre-Bénite", "Sainte-Foy-lès-Lyon",
	"Givors", "Saint-Genis-Laval", "Écully", "Tassin-la-Demi-Lune", "Saint-Fons", "Francheville", "Mions",
	"Craponne", "Chassieu", "Corbas", "Feyzin", "Genay", "Irigny", "Neuville-sur-Saône",
	"Saint-Didier-au-Mont-d'Or", "Dardilly", "Limonest", "Champagne-au-Mont-d'Or",
	"Charbonnières-les-Bains", "Collonges-au-Mont-d'Or", "Saint-Cyr-au-Mont-d'Or", "Fontaines-sur-Saône",
	"Fontaines-Saint-Martin", "Sathonay-Camp", "Sathonay-Village", "Cailloux-sur-Fontaines",
	"Rochetaillée-sur-Saône", "Fleurieu-sur-Saône", "Montanay", "Albigny-sur-Saône", "Couzon-au-Mont-d'Or",
	"Curis-au-Mont-d'Or", "Poleymieux-au-Mont-d'Or", "Saint-Germain-au-Mont-d'Or",
	"Saint-Romain-au-Mont-d'Or", "La Tour-de-Salvagny", "Marcy-l'Étoile", "Jonage", "Solaize", "Vernaison",
	"Charly", "La Mulatière", "Grigny", "Saint-Genis-les-Ollières", "Lissieu", "Quincieux", "Pierre-Bénite",
}

var (
	namePrefixes = []string{"Saint-Martin", "Villeneuve", "Montagny", "Beaulieu", "Châteauneuf", "Saint-Laurent",
		"Fontaine", "Bellevue", "Rochefort", "Sainte-Marie", "Villefranche", "Saint-Jean", "Neuville", "Mont",
		"Champagne", "Saint-Pierre", "Bourg", "La Chapelle", "Saint-Didier", "Roche"}
	nameSuffixes = []string{"-sur-Saône", "-en-Bresse", "-sur-Loire", "-les-Bains", "-le-Château", "-d'Azergues",
		"-sur-Rhône", "-en-Forez", "-la-Forêt", "-du-Lac", "-sous-Bois", "-le-Vieux", "-des-Prés", "-sur-Mer",
		"-en-Vercors", "-la-Rivière", "-les-Vignes", "-du-Mont", "-sur-Ain", "-aux-Bois"}
	nameThirds = []string{"", " Nord", " Sud", " Est", " Ouest", " Centre"}

	schoolKinds = []string{"École maternelle", "École élémentaire", "Groupe scolaire", "École primaire"}
	schoolNames = []string{"Jean Jaurès", "Louis Pasteur", "Les Tilleuls", "Victor Hugo", "Jules Ferry", "Paul Langevin",
		"Marie Curie", "Anatole France", "Jean Moulin", "Les Marronniers", "Jacques Prévert", "Simone Veil",
		"Lucie Aubrac", "Antoine de Saint-Exupéry", "Condorcet", "Le Parc", "Les Platanes", "Pierre Perret",
		"Jean de la Fontaine", "Germaine Tillion", "Robert Doisneau", "Les Cerisiers", "Le Bourg", "Montessori"}
	firstNames = []string{"Mehdi", "Aurélie", "Benoît", "Chloé", "Samir", "Sophie", "Élodie", "Yacine", "Nathalie",
		"Karim", "Isabelle", "Thomas", "Fatima", "Julien", "Camille", "Nicolas", "Leïla", "François", "Hélène", "Malik"}
	lastNames = []string{"Martin", "Moulin", "Dupont", "Bertholon", "Jourdan", "Roussel", "Tissot", "Perrin", "Garnier",
		"Benali", "Chevalier", "Lambert", "Faure", "Rey", "Mercier", "Girard", "Bonnet", "Blanc", "Guerin", "Morel"}
	roles = []string{"Directeur", "Directrice", "Directrice", "Directeur d'école"}
)

// world is the communes and schools of a store, before anything happens to them.
type world struct {
	p        Params
	communes []commune // every commune; the first Archetypes are the archetypes
	arch     int       // archetypes
	rounds   int       // copies of each archetype, the archetype itself included
	uaiSpan  int       // schools numbers of one round (every archetype's schools)
}

// commune is one commune of the world.
type commune struct {
	index  int
	name   string
	insee  string
	slug   string // its name in addresses and file names
	domain string // its town hall's, whose addresses are declared
	first  int    // the number (samples.UAI) of its first school
	size   int    // its schools
}

func (c commune) sender() string { return "ecoles@" + c.domain }

func newWorld(p Params) *world {
	w := &world{p: p, arch: p.archetypes()}
	w.rounds = p.Communes / w.arch
	sizes := archetypeSizes(w.arch, p.Schools/w.rounds)
	for _, s := range sizes {
		w.uaiSpan += s
	}
	names := communeNames(p.Communes)
	for i := range p.Communes {
		name := names[i]
		c := commune{index: i, name: name, insee: insee(i), slug: slug(name), domain: "mairie-" + slug(name) + ".fr"}
		a, r := i%w.arch, i/w.arch
		c.size = sizes[a]
		c.first = 1 + r*w.uaiSpan
		for _, s := range sizes[:a] {
			c.first += s
		}
		w.communes = append(w.communes, c)
	}
	return w
}

// archetypeSizes shares total schools among n communes as towns are: a few large, many small
// (Zipf), at least two each.
func archetypeSizes(n, total int) []int {
	weights := make([]float64, n)
	var sum float64
	for i := range weights {
		weights[i] = 1 / math.Pow(float64(i+1), 0.9)
		sum += weights[i]
	}
	sizes := make([]int, n)
	left := total
	for i := range sizes {
		sizes[i] = max(2, int(float64(total)*weights[i]/sum))
		left -= sizes[i]
	}
	for i := 0; left != 0; i = (i + 1) % n {
		if left > 0 {
			sizes[i]++
			left--
		} else if sizes[i] > 2 {
			sizes[i]--
			left++
		}
	}
	return sizes
}

// insee is commune i's code: the Rhône's for the Métropole's (Lyon's is 69123), then others.
func insee(i int) string {
	switch {
	case i == 0:
		return "69123"
	case i < len(metropole):
		return fmt.Sprintf("69%03d", 1+4*i)
	}
	return fmt.Sprintf("%02d%03d", 1+i/900, 1+i%900)
}

// communeNames returns n names of communes, the Métropole's first, all different.
func communeNames(n int) []string {
	out := make([]string, 0, n)
	seen := map[string]bool{}
	for i := 0; len(out) < n; i++ {
		name := communeName(i)
		if !seen[strings.ToLower(name)] {
			seen[strings.ToLower(name)] = true
			out = append(out, name)
		}
	}
	return out
}

func communeName(i int) string {
	if i < len(metropole) {
		return metropole[i]
	}
	i -= len(metropole)
	n := len(namePrefixes) * len(nameSuffixes)
	name := namePrefixes[i%len(namePrefixes)] + nameSuffixes[(i/len(namePrefixes))%len(nameSuffixes)] + nameThirds[(i/n)%len(nameThirds)]
	if k := i / (n * len(nameThirds)); k > 0 {
		name += fmt.Sprintf(" %d", k+1)
	}
	return name
}

var slugger = strings.NewReplacer(" ", "-", "'", "-", "é", "e", "è", "e", "ê", "e", "É", "e", "â", "a", "ô", "o", "î", "i", "ï", "i")

func slug(s string) string { return strings.ToLower(slugger.Replace(s)) }

func (w *world) configCommunes() []convention.Commune {
	out := make([]convention.Commune, 0, len(w.communes))
	for _, c := range w.communes {
		out = append(out, convention.Commune{Name: c.name, INSEE: c.insee, Senders: []string{"@" + c.domain}})
	}
	return out
}

// schoolRow is school number n as a commune lists it, with its administrator of generation gen
// (a new generation is a new administrator).
func schoolRow(n, gen int) samples.Row {
	k := n*7 + gen*13
	return samples.Row{
		UAI:       samples.UAI(n),
		School:    schoolKinds[n%len(schoolKinds)] + " " + schoolNames[(n/len(schoolKinds))%len(schoolNames)],
		LastName:  strings.ToUpper(lastNames[k%len(lastNames)]),
		FirstName: firstNames[(k/len(lastNames)+gen)%len(firstNames)],
		Role:      roles[(n+gen)%len(roles)],
		Email:     fmt.Sprintf("ce.%s@ac-lyon.fr", strings.ToLower(samples.UAI(n))),
		Phone:     fmt.Sprintf("04 72 %02d %02d %02d", 10+(n+gen)%80, n%100, (n*7+gen)%100),
	}
}
