// Load order of the resources computed from the reference graph of the model, as DMS derives it (§2.4).
#include "core/schema/dependencies.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

namespace lightbeam::schema {

namespace {

using Edge = std::pair<int, int>;  // (from A, to B): B depends on A

struct Graph {
  std::vector<const Endpoint*> vertices;
  std::unordered_map<const Endpoint*, int> index;
  std::map<Edge, bool> edges;  // → required

  int id(const Endpoint* ep) const {
    auto it = index.find(ep);
    return it == index.end() ? -1 : it->second;
  }
  void add(int from, int to, bool required) {
    if (from < 0 || to < 0 || from == to) return;
    auto [it, inserted] = edges.emplace(Edge{from, to}, required);
    if (!inserted) it->second = it->second || required;
  }
};

bool is_school_year_types(const Endpoint* ep) { return iequals(ep->name, "schoolYearTypes"); }

// Every reference and descriptor anywhere in an object (nested objects, collections, `_ext`) → edges into `to`.
void collect_edges(Graph& g, int to, const ObjectModel& obj, std::set<const ObjectModel*>& seen) {
  if (!seen.insert(&obj).second) return;
  for (const auto& p : obj.properties) {
    switch (p.kind) {
      case PropertyKind::descriptor:
        if (p.descriptor) g.add(g.id(p.descriptor), to, p.required);
        break;
      case PropertyKind::reference:
        for (const auto& t : p.reference->targets)
          if (!is_school_year_types(t.endpoint)) g.add(g.id(t.endpoint), to, p.required);
        for (const auto& f : p.reference->fields)
          if (f.descriptor) g.add(g.id(f.descriptor), to, p.required);
        break;
      case PropertyKind::object:
      case PropertyKind::array:
        if (p.object) collect_edges(g, to, *p.object, seen);
        break;
      case PropertyKind::scalar:
        break;
    }
  }
}

// Person re-pointing (§2.4 step 3): edges out of a person resource come from its association(s) instead.
void repoint(Graph& g, int person, const std::vector<int>& sources) {
  if (person < 0 || sources.empty()) return;
  std::vector<std::pair<Edge, bool>> moved;
  for (auto it = g.edges.begin(); it != g.edges.end();) {
    int to = it->first.second;
    if (it->first.first == person && std::find(sources.begin(), sources.end(), to) == sources.end()) {
      moved.emplace_back(it->first, it->second);
      it = g.edges.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [e, required] : moved)
    for (int s : sources) g.add(s, e.second, required);
}

// Strongly connected components (Tarjan, iterative over the small graph is unnecessary: depth ≤ vertex count).
std::vector<int> components(const Graph& g) {
  int n = static_cast<int>(g.vertices.size());
  std::vector<std::vector<int>> adj(n);
  for (const auto& [e, req] : g.edges) adj[e.first].push_back(e.second);
  std::vector<int> idx(n, -1), low(n, 0), comp(n, -1);
  std::vector<bool> on(n, false);
  std::vector<int> stack;
  int counter = 0, ncomp = 0;
  std::function<void(int)> visit = [&](int v) {
    idx[v] = low[v] = counter++;
    stack.push_back(v);
    on[v] = true;
    for (int w : adj[v]) {
      if (idx[w] < 0) {
        visit(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on[w]) {
        low[v] = std::min(low[v], idx[w]);
      }
    }
    if (low[v] == idx[v]) {
      while (true) {
        int w = stack.back();
        stack.pop_back();
        on[w] = false;
        comp[w] = ncomp;
        if (w == v) break;
      }
      ++ncomp;
    }
  };
  for (int v = 0; v < n; ++v)
    if (idx[v] < 0) visit(v);
  return comp;
}

// §2.4 step 4 (simplified as the document allows): drop optional edges inside strongly connected groups;
// a cycle of required edges only (not in Ed-Fi specs) loses its in-group edges as a last resort.
void break_cycles(Graph& g) {
  for (int round = 0; round < 2; ++round) {
    auto comp = components(g);
    std::map<int, int> size;
    for (int c : comp) ++size[c];
    bool cyclic = false;
    for (auto it = g.edges.begin(); it != g.edges.end();) {
      int a = it->first.first, b = it->first.second;
      bool inside = comp[a] == comp[b] && size[comp[a]] > 1;
      cyclic = cyclic || inside;
      if (inside && (round == 1 || !it->second))
        it = g.edges.erase(it);
      else
        ++it;
    }
    if (!cyclic) return;
  }
}

void insert_update(std::vector<Dependency>& out, const std::string& resource, int order) {
  Dependency d{resource, order, {"Update"}};
  auto pos = std::find_if(out.begin(), out.end(), [&](const Dependency& x) { return x.order == order; });
  if (pos == out.end())
    out.push_back(std::move(d));
  else
    out.insert(pos, std::move(d));
}

}  // namespace

std::vector<Dependency> compute_dependencies(const SpecModel& model) {
  Graph g;
  for (const Endpoint* ep : model.endpoints()) {
    if (is_school_year_types(ep)) continue;
    g.index.emplace(ep, static_cast<int>(g.vertices.size()));
    g.vertices.push_back(ep);
  }
  for (int v = 0; v < static_cast<int>(g.vertices.size()); ++v) {
    std::set<const ObjectModel*> seen;
    if (g.vertices[v]->body) collect_edges(g, v, *g.vertices[v]->body, seen);
  }

  auto find = [&](const char* name) { return g.id(model.find("ed-fi", name)); };
  int students = find("students"), ssa = find("studentSchoolAssociations");
  int staffs = find("staffs");
  int assign = find("staffEducationOrganizationAssignmentAssociations");
  int employ = find("staffEducationOrganizationEmploymentAssociations");
  int contacts = find("contacts"), sca = find("studentContactAssociations");
  auto present = [](std::initializer_list<int> ids) {
    std::vector<int> out;
    for (int i : ids)
      if (i >= 0) out.push_back(i);
    return out;
  };
  repoint(g, students, present({ssa}));
  repoint(g, staffs, present({assign, employ}));
  repoint(g, contacts, present({sca}));
  break_cycles(g);

  // Kahn layering.
  int n = static_cast<int>(g.vertices.size());
  std::vector<int> indegree(n, 0), order(n, 0);
  std::vector<std::vector<int>> adj(n);
  for (const auto& [e, req] : g.edges) {
    adj[e.first].push_back(e.second);
    ++indegree[e.second];
  }
  std::vector<int> layer;
  for (int v = 0; v < n; ++v)
    if (indegree[v] == 0) layer.push_back(v);
  int level = 1, placed = 0;
  while (!layer.empty()) {
    std::vector<int> next;
    for (int v : layer) {
      order[v] = level;
      ++placed;
      for (int w : adj[v])
        if (--indegree[w] == 0) next.push_back(w);
    }
    layer = std::move(next);
    ++level;
  }
  // break_cycles leaves no cycle; should one survive, its members go last rather than vanish.
  for (int v = 0; v < n && placed < n; ++v)
    if (order[v] == 0) order[v] = level;

  std::vector<Dependency> out;
  out.reserve(n + 3);
  for (int v = 0; v < n; ++v) out.push_back(Dependency{g.vertices[v]->path, order[v], {"Create", "Update"}});
  std::sort(out.begin(), out.end(), [](const Dependency& a, const Dependency& b) {
    return a.order != b.order ? a.order < b.order : a.resource < b.resource;
  });

  // Person split (§2.4 step 6).
  auto split = [&](int person, const std::vector<int>& after) {
    if (person < 0 || after.empty()) return;
    int at = 0;
    for (int a : after) at = std::max(at, order[a]);
    for (auto& d : out)
      if (d.resource == g.vertices[person]->path) d.operations = {"Create"};
    insert_update(out, g.vertices[person]->path, at + 1);
  };
  split(students, present({ssa}));
  split(staffs, present({assign, employ}));
  split(contacts, present({sca, ssa}));
  return out;
}

nlohmann::json dependencies_to_json(const std::vector<Dependency>& deps) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : deps)
    out.push_back({{"resource", d.resource}, {"order", d.order}, {"operations", d.operations}});
  return out;
}

}  // namespace lightbeam::schema
