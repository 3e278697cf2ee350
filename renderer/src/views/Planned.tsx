/** A view whose service is not in this build yet: says so plainly instead of showing empty data. */
export function Planned({ title, what }: { title: string; what: string }) {
  return (
    <section className="view">
      <h1>{title}</h1>
      <div className="card notice">
        <p>{what}</p>
        <p className="muted">Not available in this version of the node yet.</p>
      </div>
    </section>
  );
}
