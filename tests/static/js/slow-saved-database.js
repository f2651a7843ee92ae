// Every open of the saved-articles database answers `delay` ms late, as on a slow phone: the
// article screen must not show a label it has not read yet.
(delay) => {
  const open = IDBFactory.prototype.open;
  const setSuccess = Object.getOwnPropertyDescriptor(IDBRequest.prototype, "onsuccess").set;
  IDBFactory.prototype.open = function slowOpen(name, ...rest) {
    const request = open.call(this, name, ...rest);
    if (name === "satchel-saved") {
      Object.defineProperty(request, "onsuccess", {
        set(handler) {
          const late = (event) => setTimeout(() => handler.call(request, event), delay);
          setSuccess.call(request, late);
        },
      });
    }
    return request;
  };
}
