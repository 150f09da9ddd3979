// The "copy id" control of record pages ({{$.CopyID .ID}}): a button
// holding the record's id in data-copy-id copies it to the clipboard and
// says so for a moment. Without JavaScript the id is still in the URL.
for (const b of document.querySelectorAll("button[data-copy-id]")) {
  b.addEventListener("click", async () => {
    const id = b.dataset.copyId;
    try {
      await navigator.clipboard.writeText(id);
    } catch {
      // No clipboard (an insecure origin): select the id in a field
      // the reader can copy from.
      const f = document.createElement("input");
      f.value = id;
      f.readOnly = true;
      f.className = "copy-id-field";
      b.after(f);
      f.select();
      return;
    }
    const label = b.textContent;
    b.textContent = b.dataset.copied;
    setTimeout(() => { b.textContent = label; }, 1500);
  });
}
