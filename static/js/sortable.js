// Sort a table by a clicked column head: numbers numerically, text alphabetically; click again to reverse.
document.querySelectorAll("table.sortable").forEach((table) => {
  table.querySelectorAll("th[data-sort]").forEach((head, column) => {
    head.tabIndex = 0;
    head.title = "sort";
    const sort = () => {
      const numeric = head.dataset.sort === "number";
      const descending = head.getAttribute("aria-sort") === "ascending";
      const value = (row) => row.children[column].textContent.trim();
      const rows = [...table.tBodies[0].rows].sort((a, b) => {
        const order = numeric ? (parseFloat(value(a)) || 0) - (parseFloat(value(b)) || 0) : value(a).localeCompare(value(b));
        return descending ? -order : order;
      });
      table.querySelectorAll("th[aria-sort]").forEach((other) => other.removeAttribute("aria-sort"));
      head.setAttribute("aria-sort", descending ? "descending" : "ascending");
      table.tBodies[0].append(...rows);
    };
    head.addEventListener("click", sort);
    head.addEventListener("keydown", (key) => key.key === "Enter" && sort());
  });
});
